"""Which catalogue release a message speaks about, so that a re-delivery updates it and a purge finds it.

In order: the UPC (DDEX ICPN); the same set of ISRCs on a release without another UPC; the sender's own
GRid or proprietary id, read back from the message that last delivered one of the sender's releases.
Identifiers that fail validation never match: a placeholder such as GRID_NUMBER or ICPN_VALUE would
match every release a careless sender ever sent (DOMAIN §4: validate, never guess).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.db import connection
from django.db.models import Q

from pressplant.catalogue.identifiers import InvalidIdentifier, normalize_barcode, normalize_isrc
from pressplant.catalogue.models import Release
from pressplant.rights.ddex import DdexError, ErnMessage, ReleaseInfo, parse_message
from pressplant.rights.ddex.identifiers import identifier_problem
from pressplant.rights.imports.errors import ImportRefused, UnknownRelease
from pressplant.rights.models import Licence

SenderKey = tuple[str, str, str]
"""(kind, namespace, value): a GRid ("GRid", "", value) or a proprietary id ("ProprietaryId", ns, value)."""


def valid_upc(icpn: str | None) -> str | None:
    try:
        return normalize_barcode(icpn) if icpn else None
    except InvalidIdentifier:
        return None


def valid_isrc(isrc: str | None) -> str | None:
    try:
        return normalize_isrc(isrc) if isrc else None
    except InvalidIdentifier:
        return None


def release_isrcs(message: ErnMessage, release: ReleaseInfo) -> frozenset[str]:
    """The valid ISRCs of the sound recordings on `release`."""
    isrcs = {r.reference: valid_isrc(r.isrc) for r in message.sound_recordings}
    return frozenset(code for t in release.tracks if (code := isrcs.get(t.resource_reference)))


def sender_keys(release: ReleaseInfo) -> frozenset[SenderKey]:
    keys: set[SenderKey] = {("ProprietaryId", p.namespace, p.value) for p in release.proprietary_ids}
    if release.grid and identifier_problem("", "GRid", release.grid) is None:
        keys.add(("GRid", "", release.grid))
    return frozenset(keys)


def find_release(message: ErnMessage, release: ReleaseInfo) -> Release | None:
    """The catalogue release this delivery re-delivers, or None for a release new to the catalogue."""
    upc = valid_upc(release.icpn)
    if upc and (found := Release.objects.filter(upc=upc).first()):
        return found
    if found := _by_isrcs(release_isrcs(message, release), upc):
        return found
    return _by_sender_keys(message.sender_party_id, sender_keys(release))


def lock_identities(message: ErnMessage) -> None:
    """Until the transaction ends, hold a lock on every identity of the message's main releases (UPC, the
    lowest ISRC, the sender's GRid and proprietary ids): two messages about one release are then written one
    after the other, and the second finds what the first wrote. PostgreSQL takes advisory locks, in one
    order; SQLite needs none, as its transactions take the database's one write lock when they begin."""
    if connection.vendor != "postgresql":
        return
    keys: set[str] = set()
    for release in message.releases:
        if release.is_main:
            upc = valid_upc(release.icpn)
            isrcs = release_isrcs(message, release)
            keys |= {f"upc:{upc}"} if upc else set()
            keys |= {f"isrc:{min(isrcs)}"} if isrcs else set()
            keys |= {f"{message.sender_party_id}:{':'.join(key)}" for key in sender_keys(release)}
    with connection.cursor() as cursor:
        for key in sorted(keys):
            digest = hashlib.blake2b(f"pressplant-release:{key}".encode(), digest_size=8).digest()
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)])


def find_purged(message: ErnMessage, purged: ReleaseInfo) -> Release:
    """The release a PurgedRelease names (by valid UPC, GRid or proprietary id); UnknownRelease if none."""
    upc = valid_upc(purged.icpn)
    found = Release.objects.filter(upc=upc).first() if upc else None
    found = found or _by_sender_keys(message.sender_party_id, sender_keys(purged))
    if found is None:
        raise UnknownRelease(f"purge refused: {_purged_description(purged)}; nothing was purged")
    return found


def check_sender(release: Release, sender_party_id: str | None, action: str) -> None:
    """A release delivered by one DDEX sender is changed by that sender's messages only."""
    licence = Licence.objects.filter(release=release).first()
    if licence and licence.source == Licence.Source.DDEX and licence.sender_party_id != (sender_party_id or ""):
        raise ImportRefused(f"{action} refused: release {release} is licensed by DDEX sender "
                            f"{licence.sender_party_id!r}; sender {sender_party_id!r} cannot change it")


def _by_isrcs(isrcs: frozenset[str], upc: str | None) -> Release | None:
    """A release whose tracks carry exactly these ISRCs (and no other UPC: a reissue is another product)."""
    if not isrcs:
        return None
    candidates = (Release.objects.filter(tracks__isrc=min(isrcs)).filter(Q(upc="") | Q(upc=upc or ""))
                  .distinct().order_by("pk"))
    for candidate in candidates:
        if set(candidate.tracks.values_list("isrc", flat=True)) == isrcs:
            return candidate
    return None


def _by_sender_keys(sender_party_id: str | None, keys: frozenset[SenderKey]) -> Release | None:
    if not keys or not sender_party_id:
        return None
    licences = (Licence.objects.filter(source=Licence.Source.DDEX, sender_party_id=sender_party_id,
                                       message__isnull=False).select_related("message", "release").order_by("pk"))
    for licence in licences:
        assert licence.message is not None  # filtered above
        if keys & _delivered_keys(bytes(licence.message.xml)):
            return licence.release
    return None


def _delivered_keys(xml: bytes) -> frozenset[SenderKey]:
    try:
        message = parse_message(xml)
    except DdexError:  # it was read once; a message that no longer reads identifies nothing
        return frozenset()
    return frozenset().union(*_main_keys(message.releases))


def _main_keys(releases: Iterable[ReleaseInfo]) -> list[frozenset[SenderKey]]:
    return [sender_keys(r) for r in releases if r.is_main]


def _purged_description(purged: ReleaseInfo) -> str:
    given = [f"{kind} {value!r}" for kind, value in (("ICPN", purged.icpn), ("GRid", purged.grid)) if value]
    given += [f"proprietary id {p.value!r}" for p in purged.proprietary_ids]
    if not given:
        return "the purged release carries no identifier"
    invalid = [p for kind, value in (("ICPN", purged.icpn), ("GRid", purged.grid))
               if value and (p := identifier_problem("purged release", kind, value))]
    if invalid and not purged.proprietary_ids and len(invalid) == len(given):
        return "; ".join(invalid) + " (an invalid identifier never matches a release)"
    return f"no release delivered by this sender matches {', '.join(given)}"
