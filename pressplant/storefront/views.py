"""The catalogue pages: home, browse by artist, label and genre, search, a release with its format picker,
and its cover. Reads only; prices and sizes come from orders.shop, as they do for the JSON API."""

from __future__ import annotations

import mimetypes
import re
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import default_storage
from django.db.models import Count, Prefetch, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from pressplant.accounts.models import Customer
from pressplant.audio.formats import FORMATS
from pressplant.catalogue.models import Artist, Label, Release, ReleaseQuerySet, Track
from pressplant.orders.sales import Offer
from pressplant.orders.shop import Shopper, release_page_offers, shopper_for
from pressplant.pricing.quote import Quote
from pressplant.rights.availability import Availability, Status, country_name
from pressplant.storefront.downloads import request_customer
from pressplant.storefront.forms import SearchForm
from pressplant.storefront.pages import render_page
from pressplant.storefront.reasons import reason_text

HOME_LIST_LENGTH = 12
SEARCH_PAGE_LENGTH = 48
"""Releases on one page of search results: a common word matches thousands."""


def _on_sale() -> ReleaseQuerySet:
    return Release.objects.on_sale().select_related("label").order_by("-created_at", "-id")


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    best_sellers = (_on_sale()
                    .annotate(sold=Count("orderline", distinct=True) + Count("tracks__orderline", distinct=True))
                    .filter(sold__gt=0).order_by("-sold", "title"))
    return render_page(request, "storefront/home.html", {
        "new_releases": _on_sale()[:HOME_LIST_LENGTH], "best_sellers": best_sellers[:HOME_LIST_LENGTH]})


@require_safe
def artists(request: HttpRequest) -> HttpResponse:
    rows = Artist.objects.filter(releases__status=Release.Status.LIVE).distinct().order_by("name")
    return render_page(request, "storefront/index.html", {
        "heading": _("Artists"), "entries": [(a.name, ("storefront:artist", a.pk)) for a in rows]})


@require_safe
def artist(request: HttpRequest, artist_id: int) -> HttpResponse:
    found = get_object_or_404(Artist, pk=artist_id)
    return _release_list(request, found.name, _on_sale().filter(artists=found).distinct())


@require_safe
def labels(request: HttpRequest) -> HttpResponse:
    rows = Label.objects.filter(releases__status=Release.Status.LIVE).distinct().order_by("name")
    return render_page(request, "storefront/index.html", {
        "heading": _("Labels"), "entries": [(la.name, ("storefront:label", la.pk)) for la in rows]})


@require_safe
def label(request: HttpRequest, label_id: int) -> HttpResponse:
    found = get_object_or_404(Label, pk=label_id)
    return _release_list(request, found.name, _on_sale().filter(label=found))


@require_safe
def genres(request: HttpRequest) -> HttpResponse:
    names = Release.objects.on_sale().exclude(genre="").values_list("genre", flat=True).distinct().order_by("genre")
    return render_page(request, "storefront/index.html", {
        "heading": _("Genres"), "entries": [(name, ("storefront:genre", name)) for name in names]})


@require_safe
def genre(request: HttpRequest, name: str) -> HttpResponse:
    return _release_list(request, name, _on_sale().filter(genre__iexact=name))


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    form.is_valid()
    text = (form.cleaned_data.get("q") or "").strip()
    page = form.cleaned_data.get("page") or 1
    first = (page - 1) * SEARCH_PAGE_LENGTH
    found = list(_on_sale().search(text)[first:first + SEARCH_PAGE_LENGTH + 1]) if text else []
    return render_page(request, "storefront/search.html", {
        "form": form, "query": text, "releases": found[:SEARCH_PAGE_LENGTH],
        "previous_page": page - 1 if page > 1 else None,
        "next_page": page + 1 if len(found) > SEARCH_PAGE_LENGTH else None})


def _release_list(request: HttpRequest, heading: str, releases: QuerySet[Release]) -> HttpResponse:
    return render_page(request, "storefront/releases.html", {"heading": heading, "releases": releases})


@dataclass(frozen=True, slots=True)
class PickerRow:
    """One format of the picker: the formats table's row beside the quote for it."""

    title: str
    is_lossless: bool
    quote: Quote


@dataclass(frozen=True, slots=True)
class Picker:
    """Every format of an item with its price, and whether (and why not) this buyer can have it."""

    rows: list[PickerRow]
    availability: Availability
    territory: str

    @property
    def reason(self) -> str:
        return reason_text(self.availability, self.territory)

    @property
    def can_buy(self) -> bool:
        return self.availability.status.can_buy

    @property
    def is_pre_order(self) -> bool:
        return self.availability.status == Status.PRE_ORDER

    @property
    def is_free(self) -> bool:
        return self.availability.is_free and self.can_buy


@dataclass(frozen=True, slots=True)
class TrackRow:
    track: Track
    picker: Picker


def _picker(offers: list[Offer], territory: str) -> Picker:
    rows = [PickerRow(FORMATS[o.quote.format_name].title, FORMATS[o.quote.format_name].is_lossless, o.quote)
            for o in offers]
    return Picker(rows, offers[0].standing.availability, territory)


_RELEASE_PAGE = (Release.objects.on_sale().select_related("label__agreement__payee", "licence")
                 .prefetch_related(Prefetch("tracks", Track.objects.select_related("master")
                                            .order_by("disc_number", "position"))))
"""A release with what its offers read: label, agreement, licence, and its tracks with their masters."""

_CSRF_SLOT = "csrf-slot-8f3b2a61d94c"
_KEY_SLOT = "key-slot-5e07c1b9a2f8"
"""Stand-ins in a release page for what is each request's own: the CSRF token and the idempotency key."""
_SLOTS = re.compile(f"({_CSRF_SLOT}|{_KEY_SLOT})")
_INDENT = re.compile(r"\n\s+")
"""A line break and the template's indentation after it (a sixth of a release page's bytes; the pages
have no <pre>, <textarea> or script whose text it would change)."""


@require_safe
def release(request: HttpRequest, release_id: int) -> HttpResponse:
    """A release with every format of it and of each track, priced for the buyer (or visitor).

    A visitor's page (not signed in, nothing pending for them: prices for their country alone) is kept
    for PRESSPLANT_PAGE_CACHE_SECONDS and sent again to every such visitor from that country in that
    language, without reading the database: making it prices every format of every track, which costs
    many times what sending it again does. Its prices and availability (a takedown too) may be that old;
    buying checks them again, and a buyer signed in always gets a page made now.

    A visitor cannot buy before signing in, so their page's Buy buttons ask by GET, which sends them to
    sign in (purchases.buy): it has no form to post, hence no CSRF token or idempotency key, and goes out
    as kept, byte for byte. A buyer's page has both, written into their slots for each request."""
    customer = request_customer(request)
    shopper = shopper_for(customer, request)
    is_shared = customer is None and not {settings.SESSION_COOKIE_NAME, "messages"} & request.COOKIES.keys()
    seconds = settings.PRESSPLANT_PAGE_CACHE_SECONDS if is_shared else 0
    key = f"release:{release_id}:{get_language()}:{shopper.currency}:{shopper.territory}:{request.get_full_path()}"
    page = caches["pages"].get(key) if seconds else None
    if page is None:
        page = _release_page(request, release_id, shopper, customer)
        if seconds:
            caches["pages"].set(key, page, seconds)
    if len(page) == 1:  # a visitor's page: nothing of the request's own, and no CSRF cookie made
        return HttpResponse(page[0])
    own = {_CSRF_SLOT: get_token(request).encode(), _KEY_SLOT: uuid.uuid4().hex.encode()}
    return HttpResponse(b"".join(own[piece] if isinstance(piece, str) else piece for piece in page))


def _release_page(request: HttpRequest, release_id: int, shopper: Shopper, customer: Customer | None
                  ) -> tuple[bytes | str, ...]:
    """The page as UTF-8 pieces, less the template's indentation, between the slot names (str) of the
    request's own CSRF token and idempotency key: a request joins them, with no search or encoding."""
    html = _INDENT.sub("\n", _release_html(request, release_id, shopper, customer))
    return tuple(piece if n % 2 else piece.encode() for n, piece in enumerate(_SLOTS.split(html)))


def _release_html(request: HttpRequest, release_id: int, shopper: Shopper, customer: Customer | None) -> str:
    """The page as HTML, with slots for the request's own CSRF token and idempotency key."""
    shown = get_object_or_404(_RELEASE_PAGE, pk=release_id)
    tracks = list(shown.tracks.all())
    offers = release_page_offers(shown, tracks, shopper)
    return render_page(request, "storefront/release.html", {
        "release": shown,
        "artists": shown.artists.order_by("name"),
        "picker": _picker(offers.release, shopper.territory),
        "tracks": [TrackRow(t, _picker(offers.tracks[t.pk], shopper.territory)) for t in tracks],
        "currency": shopper.currency,
        "vat_percent": shopper.vat_percent,
        "territory_name": country_name(shopper.territory),
        "visitor": customer is None,
        "csrf_token": _CSRF_SLOT,
        "idempotency_key": _KEY_SLOT,
    }, customer=customer).content.decode()


@require_safe
def language(request: HttpRequest) -> HttpResponse:
    """The language picker, posting to Django's set_language: a page of its own, so that the other pages
    carry no form to post for a visitor, hence no CSRF token (and a kept page the same for every visitor)."""
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = reverse("storefront:home")
    return render_page(request, "storefront/language.html", {"next": next_url})


NOT_FOR_CRAWLERS = ("/buy/", "/search/", "/language/", "/i18n/", "/library/", "/orders/", "/wallet/", "/label/",
                    "/accounts/", "/payments/", "/download/", "/api/", "/admin/", "/metrics", "/readyz", "/healthz")
"""What robots.txt asks crawlers to leave alone: a buyer's own pages, the Buy buttons a visitor's page asks
by GET, search results and the language picker (endless variations of one page), the API and the operator's."""


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    """The catalogue (home, lists, releases, covers, previews) is open to crawlers; the rest is not."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in NOT_FOR_CRAWLERS)]
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_safe
def cover(request: HttpRequest, release_id: int) -> FileResponse:
    shown = get_object_or_404(Release.objects.on_sale(), pk=release_id)
    if not shown.cover_key or not default_storage.exists(shown.cover_key):
        raise Http404("no cover")
    content_type = mimetypes.guess_type(shown.cover_key)[0] or "image/jpeg"
    response = FileResponse(default_storage.open(shown.cover_key, "rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    return response
