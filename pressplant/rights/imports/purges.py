"""PurgeReleaseMessage: the sender withdraws releases it delivered. They go off sale for good; nothing is
deleted, so purchases already made stay downloadable and the royalty history stays whole."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from pressplant.catalogue.models import Release
from pressplant.rights.ddex import ErnMessage
from pressplant.rights.imports.errors import UnknownRelease
from pressplant.rights.imports.identity import check_sender, find_purged
from pressplant.rights.imports.results import Outcome, Verdict
from pressplant.rights.imports.storage import StoredFiles
from pressplant.rights.models import DdexMessage, Licence


@dataclass(frozen=True)
class Purge:
    """The releases a purge names, each found and delivered by the purge's sender."""

    releases: tuple[Release, ...]

    def preview(self) -> str:
        return "it would purge " + ", ".join(str(r) for r in self.releases)

    def write(self, row: DdexMessage, stored: StoredFiles) -> Verdict:
        lines = [_purge(release) for release in self.releases]
        return Verdict(Outcome.PURGED, "\n".join(lines), self.releases)


def plan_purge(message: ErnMessage) -> Purge:
    if not message.releases:
        raise UnknownRelease("purge refused: the message names no release")
    releases = []
    for purged in message.releases:
        release = find_purged(message, purged)
        licence = Licence.objects.filter(release=release).first()
        if licence is None or licence.source != Licence.Source.DDEX:
            raise UnknownRelease(f"purge refused: release {release} was not delivered by DDEX, so a "
                                 "PurgeReleaseMessage cannot remove it; nothing was purged")
        check_sender(release, message.sender_party_id, "purge")
        releases.append(release)
    return Purge(tuple(releases))


def _purge(release: Release) -> str:
    licence = Licence.objects.select_for_update().get(release=release)
    if licence.purged_at is not None:
        return f"release {release} was already purged on {timezone.localtime(licence.purged_at):%Y-%m-%d %H:%M}"
    licence.purged_at = timezone.now()
    licence.save(update_fields=["purged_at", "updated_at"])
    return f"purged release {release}: off sale from now on; purchases already made stay downloadable"
