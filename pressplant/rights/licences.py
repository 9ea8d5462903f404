"""Is a catalogue item on sale to this buyer now, and what does its deal pay the label? Reads of the
stored deals, answered by the pure `availability.is_sellable`.

A deal superseded by a later message with a future EffectiveDate applies until then.
A release with no Licence row is the operator's own catalogue (ingested from files): on sale worldwide.
A release with a Licence follows its deals: a track with deals of its own (a TrackRelease) follows
those, any other track its release's. A purged licence is withdrawn whatever its deals say. A deal
priced by a code needs the operator's PriceTier for the sender in the buyer's currency; without it the
item stays off sale (Status.UNPRICED) and `unpriced_codes` names what to add.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import cast

from django.db import connection

from pressplant.catalogue.models import Master, Release, Track
from pressplant.money import Money, MoneyError, from_rate
from pressplant.operations.rows import columns_of, instances_from_row
from pressplant.rights import ddex
from pressplant.rights.availability import Availability, Status, is_sellable
from pressplant.rights.models import (
    Deal,
    Licence,
    PriceTier,
    deals_of,
    tier_wholesale_minor,
)

OWN_CATALOGUE = Availability(Status.ON_SALE, "on sale", None, None, None, False)


@dataclass(frozen=True)
class Standing:
    """An item's availability, with the label's wholesale price per unit when its deal sets one."""

    availability: Availability
    wholesale: Money | None

    @property
    def can_buy(self) -> bool:
        return self.availability.status.can_buy


@dataclass(frozen=True)
class _Held:
    """A stored deal, and when a later message's deals take over from it (None: not superseded)."""

    deal: ddex.Deal
    superseded_at: datetime | None


class ReleaseRights:
    """The licence and deals of one release, loaded once, asked about the release or any of its tracks
    (or, made `for_track`, about that track alone: only its deals and the release's are read)."""

    def __init__(self, release: Release, for_track: Track | None = None, currency: str | None = None) -> None:
        """With `currency`, the price tiers of the deals' codes in it are read with the deals (a purchase)."""
        self.release = release
        self.for_track = for_track
        # As loaded with the release (select_related("licence")), else read now.
        self.licence: Licence | None = getattr(release, "licence", None)
        self._tiers: dict[tuple[str, str, str], int | None] = {}
        deals = self._read_deals(for_track, currency) if self.licence else []
        self._release_deals = [_Held(d.as_ddex(), d.superseded_at) for d in deals if d.track_id is None]
        self._track_deals: dict[int, list[_Held]] = {}
        for deal in deals:
            if deal.track_id is not None:
                self._track_deals.setdefault(deal.track_id, []).append(_Held(deal.as_ddex(), deal.superseded_at))

    def _read_deals(self, for_track: Track | None, currency: str | None) -> list[Deal]:
        assert self.licence is not None
        track_id = for_track.pk if for_track is not None else None
        if currency is None:
            return deals_of(self.release.pk, track_id)
        sender = self.licence.sender_party_id
        priced = deals_of(self.release.pk, track_id, tiers_of=(sender, currency))
        self._tiers.update({(sender, deal.price_code, currency): wholesale_minor
                            for deal, wholesale_minor in priced if deal.price_code})
        return [deal for deal, _ in priced]

    def of_release(self, territory: str, at: datetime, currency: str) -> Standing:
        return self._standing(self._release_deals, territory, at, currency)

    def of_track(self, track: Track, territory: str, at: datetime, currency: str) -> Standing:
        assert self.for_track in (None, track), f"these rights were read for track {self.for_track}, not {track}"
        deals = self._track_deals.get(track.pk)
        if deals is None:
            standing = self._standing(self._release_deals, territory, at, currency)
            return Standing(standing.availability, None)  # an album's wholesale price is not a track's
        return self._standing(deals, territory, at, currency)

    def _standing(self, held: list[_Held], territory: str, at: datetime, currency: str) -> Standing:
        deals = tuple(h.deal for h in held if h.superseded_at is None or at < h.superseded_at)
        if self.licence is None:
            return Standing(OWN_CATALOGUE, None)
        if self.licence.purged_at is not None and self.licence.purged_at <= at:
            return Standing(Availability(Status.WITHDRAWN, "withdrawn by the label", None, None, None, False), None)
        availability = is_sellable(deals, territory, at)
        if not availability.status.can_buy or availability.is_free or availability.price is None:
            return Standing(availability, None)
        return self._priced(availability, currency)

    def _priced(self, availability: Availability, currency: str) -> Standing:
        price = availability.price
        if isinstance(price, ddex.WholesalePrice):
            if price.currency != currency:
                return _unpriced(availability, f"not on sale in {currency}: the label priced it in {price.currency}")
            try:
                return Standing(availability, from_rate(price.amount, Decimal(1), currency))
            except MoneyError:
                return _unpriced(availability, f"not on sale in {currency}: the label's price is invalid")
        assert isinstance(price, ddex.PriceCode)
        assert self.licence is not None
        wholesale_minor = self._tier(self.licence.sender_party_id, price.code, currency)
        if wholesale_minor is None:
            return _unpriced(availability, f"not on sale in {currency} yet: the label's price is being set up")
        return Standing(availability, Money(wholesale_minor, currency))

    def _tier(self, sender_party_id: str, code: str, currency: str) -> int | None:
        """The operator's wholesale price for a price code, read once per code and currency (a release
        page asks for every format of every track)."""
        key = (sender_party_id, code, currency)
        if key not in self._tiers:
            self._tiers[key] = tier_wholesale_minor(sender_party_id, code, currency)
        return self._tiers[key]


def _unpriced(availability: Availability, reason: str) -> Standing:
    return Standing(replace(availability, status=Status.UNPRICED, reason=reason), None)


def unpriced_codes(licence: Licence) -> list[str]:
    """The price codes of a licence's deals with no PriceTier row at all: what the operator must add."""
    codes = set(Deal.objects.filter(release=licence.release).exclude(price_code="")
                .values_list("price_code", flat=True))
    known = set(PriceTier.objects.filter(sender_party_id=licence.sender_party_id, code__in=codes)
                .values_list("code", flat=True))
    return sorted(codes - known)


_FOR_SALE = (Track, Release, Master, Licence)
"""What pricing a track reads, in one row: the track, its release, its master and the release's licence."""


_TRACK_FOR_SALE_SQL = f"""
SELECT {", ".join(columns_of(model) for model in _FOR_SALE)}
FROM catalogue_track
JOIN catalogue_release ON catalogue_release.id = catalogue_track.release_id
JOIN catalogue_master ON catalogue_master.id = catalogue_track.master_id
LEFT JOIN rights_licence ON rights_licence.release_id = catalogue_release.id
WHERE catalogue_track.id = %s AND catalogue_release.status = %s
"""  # noqa: S608  (table and column names from the models)


def track_for_sale(track_id: int) -> Track | None:
    """The live track `track_id` with its release, master and licence loaded (None: no such live track).
    Written by hand: every purchase reads it, and the ORM's select_related cost several times the query."""
    with connection.cursor() as cursor:
        cursor.execute(_TRACK_FOR_SALE_SQL, [track_id, Release.Status.LIVE.value])
        row = cursor.fetchone()
    if row is None:
        return None
    track, release, master, licence = instances_from_row(_FOR_SALE, row)  # no licence: None
    track.release, track.master, release.licence = release, master, licence
    return cast(Track, track)
