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

from django.db.models import Q

from pressplant.catalogue.models import Release, Track
from pressplant.money import Money, MoneyError, from_rate
from pressplant.rights import ddex
from pressplant.rights.availability import Availability, Status, is_sellable
from pressplant.rights.models import Deal, Licence, PriceTier

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

    def __init__(self, release: Release, for_track: Track | None = None) -> None:
        self.release = release
        self.for_track = for_track
        # As loaded with the release (select_related("licence")), else read now.
        self.licence: Licence | None = getattr(release, "licence", None)
        stored = Deal.objects.filter(release=release)
        if for_track is not None:
            stored = stored.filter(Q(track=None) | Q(track=for_track))
        deals = list(stored) if self.licence else []
        self._release_deals = [_Held(d.as_ddex(), d.superseded_at) for d in deals if d.track_id is None]
        self._track_deals: dict[int, list[_Held]] = {}
        self._tiers: dict[tuple[str, str, str], PriceTier | None] = {}
        for deal in deals:
            if deal.track_id is not None:
                self._track_deals.setdefault(deal.track_id, []).append(_Held(deal.as_ddex(), deal.superseded_at))

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
        tier = self._tier(self.licence.sender_party_id, price.code, currency)
        if tier is None:
            return _unpriced(availability, f"not on sale in {currency} yet: the label's price is being set up")
        return Standing(availability, Money(tier.wholesale_minor, currency))

    def _tier(self, sender_party_id: str, code: str, currency: str) -> PriceTier | None:
        """The operator's tier for a price code, read once per code and currency (a release page asks for
        every format of every track)."""
        key = (sender_party_id, code, currency)
        if key not in self._tiers:
            self._tiers[key] = PriceTier.objects.filter(sender_party_id=sender_party_id, code=code,
                                                        currency=currency).first()
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
