"""What the storefront and the API show a buyer before and after buying: quotes for every format, the
library of purchases with fresh download links, and the wallet. Reads only; both interfaces call them."""

from __future__ import annotations

from dataclasses import dataclass

from pressplant.accounts.models import Customer
from pressplant.audio.formats import FORMATS
from pressplant.catalogue.models import Release, Track
from pressplant.delivery.cache import exact_sizes
from pressplant.delivery.links import download_path
from pressplant.ledger.actions import balance, entries_for
from pressplant.ledger.models import Entry
from pressplant.money import Money
from pressplant.orders.models import Entitlement
from pressplant.pricing.actions import quote_for_release, quote_for_track
from pressplant.pricing.quote import Quote

DEFAULT_CURRENCY = "GBP"
"""The currency prices are shown in to a visitor who has not signed in."""


def track_quotes(track: Track, currency: str) -> list[Quote]:
    """The track in every format: size (exact when cached, else estimated) and price."""
    return [quote_for_track(track, name, currency, exact_sizes([track], name).get(track.pk)) for name in FORMATS]


def release_quotes(release: Release, currency: str) -> list[Quote]:
    """The whole release in every format: total size and album price."""
    tracks = list(release.tracks.select_related("release", "release__label", "master"))
    return [quote_for_release(release, name, currency, exact_sizes(tracks, name)) for name in FORMATS]


def quote(kind: str, item_id: int, format_name: str, currency: str) -> Quote:
    """One quote for a track or a release on sale (raises DoesNotExist for anything else)."""
    if kind == "track":
        track = Track.objects.select_related("release", "release__label", "master").get(
            pk=item_id, release__status=Release.Status.LIVE)
        return quote_for_track(track, format_name, currency, exact_sizes([track], format_name).get(track.pk))
    release = Release.objects.on_sale().get(pk=item_id)
    tracks = list(release.tracks.select_related("release", "release__label", "master"))
    return quote_for_release(release, format_name, currency, exact_sizes(tracks, format_name))


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


def library(customer: Customer) -> list[LibraryItem]:
    """Everything the buyer bought, newest first, each with a fresh download link."""
    items = []
    for entitlement in Entitlement.objects.of(customer).select_related("track__release", "release"):
        if entitlement.track is not None:
            kind, item_id = "track", entitlement.track.pk
            title, artist = entitlement.track.title, entitlement.track.artist_display
        else:
            assert entitlement.release is not None
            kind, item_id = "release", entitlement.release.pk
            title, artist = entitlement.release.title, entitlement.release.artist_display
        items.append(LibraryItem(entitlement, kind, title, artist, entitlement.format_name,
                                 download_path(customer.pk, kind, item_id, entitlement.format_name)))
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
