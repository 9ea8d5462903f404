"""What the storefront and the API show a buyer before and after buying: quotes for every format, the
library of purchases with fresh download links, and the wallet. Reads only; both interfaces call them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from pressplant.accounts.models import Customer
from pressplant.audio.formats import FORMATS
from pressplant.catalogue.models import Release, Track
from pressplant.delivery.cache import exact_sizes
from pressplant.delivery.links import download_path
from pressplant.delivery.models import Rendition
from pressplant.ledger.actions import balance, entries_for
from pressplant.ledger.models import Entry
from pressplant.money import Money
from pressplant.orders.models import Entitlement, Order, OrderLine, SalePart
from pressplant.orders.sales import (
    UNKNOWN_COUNTRIES,
    Offer,
    Payees,
    SplitsDoNotSum,
    offer_for,
    offers_for,
    payees_of,
)
from pressplant.pricing.actions import quote_for_release, quote_for_track
from pressplant.pricing.models import rules_for_release
from pressplant.pricing.vat import vat_percent
from pressplant.rights.licences import ReleaseRights
from pressplant.rights.models import RoyaltySplit

DEFAULT_CURRENCY = "GBP"
"""The currency prices are shown in to a visitor who has not signed in."""

DEFAULT_COUNTRY = "GB"
"""Where a visitor is taken to be when nothing says otherwise (the store's home country)."""


@dataclass(frozen=True, slots=True)
class Shopper:
    """Whom prices and availability are shown for: a buyer's currency and country, or a visitor's guess."""

    currency: str
    territory: str
    detected_country: str | None

    @property
    def vat_percent(self) -> str:
        """'19%' where the buyer's country charges VAT on downloads (prices shown include it), else ''."""
        return vat_percent(self.territory)


def detected_country(request: HttpRequest) -> str | None:
    """The trusted proxy's IP-country header (PRESSPLANT_COUNTRY_HEADER, e.g. CF-IPCountry), if set up."""
    header = settings.PRESSPLANT_COUNTRY_HEADER
    if not header:
        return None
    value = request.headers.get(header, "").strip().upper()
    return value if len(value) == 2 and value.isalpha() else None


def shopper_for(customer: Customer | None, request: HttpRequest) -> Shopper:
    country = detected_country(request)
    if customer is not None:
        return Shopper(customer.currency, customer.country, country)
    territory = country if country and country not in UNKNOWN_COUNTRIES else DEFAULT_COUNTRY
    return Shopper(DEFAULT_CURRENCY, territory, country)


@dataclass(frozen=True, slots=True)
class ReleaseOffers:
    """What a release page prices: the whole release, and each track (by id), in every format."""

    release: list[Offer]
    tracks: dict[int, list[Offer]]


def release_offers(release: Release, shopper: Shopper) -> list[Offer]:
    """The whole release in every format: total size, album price, availability."""
    tracks = list(release.tracks.select_related("release", "release__label", "master"))
    rights, now = ReleaseRights(release), timezone.now()
    return [offer_for(release, quote_for_release(release, name, shopper.currency, exact_sizes(tracks, name)),
                      shopper.territory, now, rights) for name in FORMATS]


def release_page_offers(release: Release, tracks: Sequence[Track], shopper: Shopper) -> ReleaseOffers:
    """The release and each of its `tracks` in every format, for this shopper: size (exact when cached,
    else estimated), price and whether (and why not) they can buy it.

    `tracks` are all of the release's, with their masters, each `track.release` being `release`, and the
    release's `tracks` prefetched (prefetch_related("tracks") leaves them so). What every offer reads is then
    read once: rights, price rules, cached renditions, royalty splits; a page of 30 tracks in 15 formats
    costs the same few queries as a single."""
    now, currency, territory = timezone.now(), shopper.currency, shopper.territory
    rights = ReleaseRights(release)
    rules = rules_for_release(release, tracks, currency)
    sizes = _exact_sizes_by_format(tracks)
    payees = _payees_by_item(release, tracks)
    whole = offers_for(release, [quote_for_release(release, name, currency, sizes[name], rules.release, tracks)
                                 for name in FORMATS], territory, now, rights, payees[None])
    by_track = {track.pk: offers_for(track, [quote_for_track(track, name, currency, sizes[name].get(track.pk),
                                                             rules.tracks[track.pk]) for name in FORMATS],
                                     territory, now, rights, payees[track.pk])
                for track in tracks}
    return ReleaseOffers(whole, by_track)


def _exact_sizes_by_format(tracks: Sequence[Track]) -> dict[str, dict[int, int]]:
    """exact_sizes() in every format, asked only for the formats any of these masters has a rendition in
    (usually none: one query for the lot)."""
    encoded = set(Rendition.objects.ready().filter(master_id__in={t.master_id for t in tracks})
                  .values_list("format_name", flat=True).distinct())
    return {name: exact_sizes(list(tracks), name) if name in encoded else {} for name in FORMATS}


def _payees_by_item(release: Release, tracks: Sequence[Track]) -> dict[int | None, Payees | None]:
    """payees_of() of the release (key None) and of each track: a track without splits of its own shares
    the release's. None where the splits do not sum: offer_for reads them again and says why."""
    own = set(RoyaltySplit.objects.filter(track__in=[t.pk for t in tracks]).values_list("track_id", flat=True))

    def read(item: Track | Release) -> Payees | None:
        try:
            return payees_of(item)
        except SplitsDoNotSum:
            return None

    shared = read(release)
    return {None: shared, **{t.pk: read(t) if t.pk in own else shared for t in tracks}}


def offer(kind: str, item_id: int, format_name: str, shopper: Shopper) -> Offer:
    """One offer for a track or a release in the catalogue (raises DoesNotExist for anything else)."""
    now = timezone.now()
    if kind == "track":
        track = Track.objects.select_related("release", "release__label", "master").get(
            pk=item_id, release__status=Release.Status.LIVE)
        quote = quote_for_track(track, format_name, shopper.currency, exact_sizes([track], format_name).get(track.pk))
        return offer_for(track, quote, shopper.territory, now)
    release = Release.objects.on_sale().get(pk=item_id)
    tracks = list(release.tracks.select_related("release", "release__label", "master"))
    quote = quote_for_release(release, format_name, shopper.currency, exact_sizes(tracks, format_name))
    return offer_for(release, quote, shopper.territory, now)


@dataclass(frozen=True, slots=True)
class ReceiptShare:
    """One heading of "where your money went": a role and a name, summed over the order's lines."""

    role: str
    role_title: str
    name: str
    amount: Money


@dataclass(frozen=True, slots=True)
class Receipt:
    order: Order
    lines: list[OrderLine]
    shares: list[ReceiptShare]
    vat: Money


RECEIPT_ORDER = ("label", "artist", "other", "publisher", "society", "mechanical", "vat", "store")


def receipt(customer: Customer, order_id: int) -> Receipt:
    """The buyer's own order, with where every minor unit went (raises DoesNotExist for another's)."""
    order = Order.objects.get(pk=order_id, customer=customer)
    lines = list(order.lines.select_related("track", "release").prefetch_related("parts"))
    sums: dict[tuple[str, str], int] = {}
    for line in lines:
        for part in line.parts.all():
            name = part.payee_name or ("VAT" if part.role == "vat" else "Pressplant store")
            if part.role == "vat":
                name = part.basis
            sums[(part.role, name)] = sums.get((part.role, name), 0) + part.amount_minor
    titles = dict(SalePart.Role.choices)
    shares = [ReceiptShare(role, str(titles.get(role, role)), name, Money(amount, order.currency))
              for (role, name), amount in sorted(sums.items(), key=lambda kv: (_receipt_rank(kv[0][0]), kv[0][1]))]
    vat = Money(sum(line.vat_minor for line in lines), order.currency)
    return Receipt(order, lines, shares, vat)


def _receipt_rank(role: str) -> int:
    return RECEIPT_ORDER.index(role) if role in RECEIPT_ORDER else len(RECEIPT_ORDER)


@dataclass(frozen=True, slots=True)
class LibraryItem:
    entitlement: Entitlement
    kind: str
    """"track" or "release"."""
    title: str
    artist: str
    format_name: str
    download_path: str
    """A fresh signed link, valid for a day."""
    opens_at: datetime | None = None
    """A pre-order: the moment the download opens (None when it is open)."""


def library(customer: Customer) -> list[LibraryItem]:
    """Everything the buyer bought, newest first, each with a fresh download link."""
    items, now = [], timezone.now()
    for entitlement in Entitlement.objects.of(customer).select_related("track__release", "release"):
        if entitlement.track is not None:
            kind, item_id = "track", entitlement.track.pk
            title, artist = entitlement.track.title, entitlement.track.artist_display
        else:
            assert entitlement.release is not None
            kind, item_id = "release", entitlement.release.pk
            title, artist = entitlement.release.title, entitlement.release.artist_display
        opens_at = None if entitlement.is_open(now) else entitlement.available_at
        items.append(LibraryItem(entitlement, kind, title, artist, entitlement.format_name,
                                 download_path(customer.pk, kind, item_id, entitlement.format_name), opens_at))
    return items


def wallet_balance(customer: Customer) -> Money:
    return balance(customer.wallet_account, customer.currency)


def wallet_history(customer: Customer, limit: int = 100) -> list[tuple[Entry, Money]]:
    """The wallet's entries, newest first, each with its effect on the wallet (+ in, - out)."""
    rows = []
    for entry in entries_for(customer.wallet_account)[:limit]:
        net = sum(p.amount_minor if p.credit.code == customer.wallet_account else -p.amount_minor
                  for p in entry.postings.all()
                  if customer.wallet_account in (p.credit.code, p.debit.code))
        rows.append((entry, Money(net, customer.currency)))
    return rows
