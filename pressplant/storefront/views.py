"""The catalogue pages: home, browse by artist, label and genre, search, a release with its format picker,
and its cover. Reads only; prices and sizes come from orders.shop, as they do for the JSON API."""

from __future__ import annotations

import mimetypes
import uuid
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.db.models import Count, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from pressplant.audio.formats import FORMATS
from pressplant.catalogue.models import Artist, Label, Release, ReleaseQuerySet, Track
from pressplant.orders.sales import Offer
from pressplant.orders.shop import release_offers, shopper_for, track_offers
from pressplant.pricing.quote import Quote
from pressplant.rights.availability import Availability, Status, country_name
from pressplant.storefront.downloads import request_customer
from pressplant.storefront.forms import SearchForm
from pressplant.storefront.pages import render_page
from pressplant.storefront.reasons import reason_text

HOME_LIST_LENGTH = 12


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
    text = form.cleaned_data["q"].strip() if form.is_valid() else ""
    found = _on_sale().search(text) if text else _on_sale().none()
    return render_page(request, "storefront/search.html", {"form": form, "query": text, "releases": found})


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


@require_safe
def release(request: HttpRequest, release_id: int) -> HttpResponse:
    shown = get_object_or_404(Release.objects.on_sale().select_related("label"), pk=release_id)
    customer = request_customer(request)
    shopper = shopper_for(customer, request)
    tracks = shown.tracks.select_related("release", "release__label", "master").order_by("disc_number", "position")
    return render_page(request, "storefront/release.html", {
        "release": shown,
        "artists": shown.artists.order_by("name"),
        "picker": _picker(release_offers(shown, shopper), shopper.territory),
        "tracks": [TrackRow(t, _picker(track_offers(t, shopper), shopper.territory)) for t in tracks],
        "currency": shopper.currency,
        "vat_percent": shopper.vat_percent,
        "territory_name": country_name(shopper.territory),
        "idempotency_key": uuid.uuid4().hex,
    }, customer=customer)


@require_safe
def cover(request: HttpRequest, release_id: int) -> FileResponse:
    shown = get_object_or_404(Release.objects.on_sale(), pk=release_id)
    if not shown.cover_key or not default_storage.exists(shown.cover_key):
        raise Http404("no cover")
    content_type = mimetypes.guess_type(shown.cover_key)[0] or "image/jpeg"
    response = FileResponse(default_storage.open(shown.cover_key, "rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    return response
