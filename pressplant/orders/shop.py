"""What the storefront and the API show a buyer before and after buying: quotes for every format, the
library of purchases with fresh download links, and the wallet. Reads only; both interfaces call them."""

from __future__ import annotations

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
from pressplant.ledger.actions import balance, entries_for
from pressplant.ledger.models import Entry
from pressplant.money import Money
from pressplant.orders.models import Entitlement, Order, OrderLine, SalePart
from pressplant.orders.sales import UNKNOWN_COUNTRIES, Offer, offer_for
from pressplant.pricing.actions import quote_for_release, quote_for_track
from pressplant.pricing.vat import vat_percent
from pressplant.rights.licences import ReleaseRights

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


def track_offers(track: Track, shopper: Shopper) -> list[Offer]:
    """The track in every format, for this shopper: size (exact when cached, else estimated), price and
    whether (and why not) they can buy it."""
    rights, now = ReleaseRights(track.release), timezone.now()
    return [offer_for(track, quote_for_track(track, name, shopper.currency, exact_sizes([track], name).get(track.pk)),
                      shopper.territory, now, rights) for name in FORMATS]


def release_offers(release: Release, shopper: Shopper) -> list[Offer]:
    """The whole release in every format: total size, album price, availability."""
    tracks = list(release.tracks.select_related("release", "release__label", "master"))
    rights, now = ReleaseRights(release), timezone.now()
    return [offer_for(release, quote_for_release(release, name, shopper.currency, exact_sizes(tracks, name)),
                      shopper.territory, now, rights) for name in FORMATS]


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
