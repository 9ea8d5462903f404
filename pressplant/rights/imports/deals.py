"""A release's licence and deals, replaced by each NewReleaseMessage: "no deal = no deal".

Every deal of the message that names the main release, or a per-track release (a 4.x TrackRelease, a
3.x release of one sound recording), is stored as sent, streaming and takedowns included: reading them
is `availability`'s job. Deals naming anything else are left out, and the detail says so.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import timezone

from pressplant.catalogue.models import Release, Track
from pressplant.rights.availability import start_instant
from pressplant.rights.ddex import ErnMessage, ReleaseInfo, is_download_deal
from pressplant.rights.licences import unpriced_codes
from pressplant.rights.models import DdexMessage, Deal, Licence

DealTargets = dict[str, Track | None]
"""Release reference in the message -> the track its deals apply to, None for the whole release."""


def deal_targets(message: ErnMessage, main: ReleaseInfo, tracks: dict[str, Track]) -> DealTargets:
    targets: DealTargets = {main.reference: None}
    for info in message.releases:
        if not info.is_main and len(info.tracks) == 1 and (track := tracks.get(info.tracks[0].resource_reference)):
            targets[info.reference] = track
    return targets


def replace_deals(release: Release, message: ErnMessage, row: DdexMessage, targets: DealTargets) -> list[str]:
    """Point the licence at this message and put its deals in place of the earlier ones; return notes."""
    notes = _licence_notes(release, message)
    Licence.objects.update_or_create(release=release, defaults={
        "source": Licence.Source.DDEX, "sender_party_id": message.sender_party_id or "", "message": row,
        "purged_at": None})  # fmt: skip
    notes.extend(_retire_earlier_deals(release, message))
    rows = [Deal.from_ddex(deal, release, targets[ref], row)
            for deal in message.deals for ref in dict.fromkeys(deal.release_references) if ref in targets]
    Deal.objects.bulk_create(rows)
    downloads = sum(1 for deal in message.deals if is_download_deal(deal) and targets.keys() & deal.release_references)
    notes.insert(0, f"{len(rows)} deal rows stored ({downloads} download deals in the message)")
    notes.extend(_left_out(message, targets))
    notes.extend(_unpriced(release, message))
    return notes


def effective_at(message: ErnMessage) -> datetime | None:
    """When the message's deals take over: the earliest ReleaseDeal EffectiveDate (3.x), 00:00 UTC."""
    dates = [deal.effective_date for deal in message.deals if deal.effective_date is not None]
    return start_instant(min(dates)) if dates else None


def _retire_earlier_deals(release: Release, message: ErnMessage) -> list[str]:
    """Earlier deals go, unless this message takes effect later: then the deals in force now stay until
    that date (superseded_at), and only those already superseded or still pending are replaced."""
    takes_over_at, now = effective_at(message), timezone.now()
    earlier = Deal.objects.filter(release=release)
    if takes_over_at is None or takes_over_at <= now:
        earlier.delete()
        return []
    earlier.filter(superseded_at__lte=now).delete()
    earlier.filter(effective_date__gt=now.astimezone(UTC).date()).delete()  # pending: replaced by this message
    kept = Deal.objects.filter(release=release, superseded_at=None).update(superseded_at=takes_over_at)
    return [f"{kept} earlier deal rows stay in force until the message's EffectiveDate "
            f"{takes_over_at:%Y-%m-%d}"] if kept else []


def _licence_notes(release: Release, message: ErnMessage) -> list[str]:
    licence = Licence.objects.filter(release=release).first()
    if licence is None:
        return []
    notes = []
    if licence.purged_at is not None:
        notes.append(f"the purge of {timezone.localtime(licence.purged_at):%Y-%m-%d %H:%M} is lifted: "
                     "the sender delivered the release again")
    if licence.source == Licence.Source.DIRECT:
        notes.append(f"the release was ingested directly; it now follows sender {message.sender_party_id!r}'s deals")
    return notes


def _left_out(message: ErnMessage, targets: DealTargets) -> list[str]:
    missing = sorted({ref for deal in message.deals for ref in deal.release_references if ref not in targets})
    if not missing:
        return []
    return [f"deals for release(s) {', '.join(missing)} not stored: only the main release and releases of one "
            "sound recording are sold"]


def _unpriced(release: Release, message: ErnMessage) -> list[str]:
    licence = Licence.objects.get(release=release)
    codes = unpriced_codes(licence)
    if not codes:
        return []
    listed = ", ".join(repr(code) for code in codes)
    return [f"price code(s) {listed} have no price tier for sender {message.sender_party_id!r}: the deals "
            "priced by them show as off sale until the operator adds the tiers (admin: Price tiers)"]
