"""Writing a checked Delivery into the catalogue: new tracks through the catalogue's own ingest, then the
message's metadata over the release and its tracks. Runs inside the import's transaction.

The latest message is the statement of truth for what it sends: a value it gives replaces ours, a value
it leaves out keeps ours. Its identifier problems decide the release's quarantine (none: live again).
"""

from __future__ import annotations

import hashlib
import unicodedata
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models

from pressplant.catalogue.actions import ingest_release
from pressplant.catalogue.ingest import IngestReport, ReleasePlan, TrackPlan
from pressplant.catalogue.models import Artist, Label, Master, Release, Track
from pressplant.rights.imports.deliveries import Delivery, TrackDelivery
from pressplant.rights.imports.errors import ImportRefused
from pressplant.rights.imports.identity import valid_upc
from pressplant.rights.imports.storage import StoredFiles

#: DDEX ReleaseType -> the catalogue's type; any other type is an album
RELEASE_TYPES: dict[str, str] = {
    "Album": Release.Type.ALBUM,
    "ClassicalAlbum": Release.Type.ALBUM,
    "DigitalBoxSetRelease": Release.Type.ALBUM,
    "ClassicalDigitalBoxedSet": Release.Type.ALBUM,
    "EP": Release.Type.EP,
    "Single": Release.Type.SINGLE,
    "SingleResourceRelease": Release.Type.SINGLE,
    "AudioSingle": Release.Type.SINGLE,
}

_COVER_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png"}


def write_delivery(delivery: Delivery, stored: StoredFiles) -> tuple[Release, dict[str, Track]]:
    """The release with every track in place, and its tracks by the message's resource reference."""
    release = _with_new_tracks(delivery, stored) if delivery.new_tracks else delivery.existing
    assert release is not None  # a release new to the catalogue has every one of its tracks to add
    _apply_release_info(release, delivery)
    if delivery.existing is not None and delivery.cover is not None:
        _replace_cover(release, delivery, stored)
    tracks = _tracks_by_reference(release, delivery)
    for planned in delivery.tracks:
        _apply_track_info(tracks[planned.recording.reference], planned, delivery)
    return release, tracks


def _with_new_tracks(delivery: Delivery, stored: StoredFiles) -> Release:
    """Store the new masters (and a new release's cover) through `ingest_release`; refuse if it could not."""
    hashes = {t.file.sha256 for t in delivery.new_tracks if t.file}
    known = set(Master.objects.filter(sha256__in=hashes).values_list("sha256", flat=True))
    cover_sha256 = hashlib.sha256(delivery.cover.data).hexdigest() if delivery.cover else ""
    is_cover_known = not cover_sha256 or Release.objects.filter(cover_sha256=cover_sha256).exists()
    report = IngestReport(root="ddex")
    release = ingest_release(_release_plan(delivery), report)
    if release is None or report.failed:
        reasons = dict.fromkeys(f.reason for f in report.failed)
        raise ImportRefused("; ".join(reasons) or f"release {delivery.display} could not be stored")
    for master in Master.objects.filter(sha256__in=hashes - known):  # content new to storage: this run's
        stored.add(master.storage_key)
    if not is_cover_known and release.cover_sha256 == cover_sha256:
        stored.add(release.cover_key)
    return release


def _release_plan(delivery: Delivery) -> ReleasePlan:
    """The plan ingest_release stores; for an existing release, its own title, artist and UPC, which is
    how ingest_release finds the release it extends."""
    info, existing = delivery.release, delivery.existing
    artists = _release_artists(delivery)
    when = info.release_date or info.original_release_date
    return ReleasePlan(
        title=existing.title if existing else info.title or "",
        artists=(existing.artist_display,) if existing else artists,
        upc=existing.upc if existing else valid_upc(info.icpn) or "",
        release_date=when, year=when.year if when else None, genre=info.genre or "", label=info.label_name or "",
        c_line=info.c_line or "", release_type=_release_type(delivery), cover=None if existing else delivery.cover,
        tracks=tuple(_track_plan(t, artists) for t in delivery.new_tracks),
    )  # fmt: skip


def _track_plan(track: TrackDelivery, release_artists: tuple[str, ...]) -> TrackPlan:
    assert track.file is not None  # a new track has its examined master
    return TrackPlan(file=track.file, disc_number=track.entry.disc_number, position=track.entry.track_number,
                     title=track.recording.title or track.file.path.stem,
                     artists=_track_artists(track, release_artists), isrc=track.isrc)


def _apply_release_info(release: Release, delivery: Delivery) -> None:
    info = delivery.release
    when = info.release_date or info.original_release_date
    values: dict[str, Any] = {
        "title": info.title, "release_type": _release_type(delivery), "upc": valid_upc(info.icpn),
        "release_date": when, "year": when.year if when else None, "genre": info.genre, "p_line": info.p_line,
        "c_line": info.c_line, "artist_display": info.display_artist or ", ".join(_release_artists(delivery)),
    }  # fmt: skip
    for name, value in values.items():
        if value:
            setattr(release, name, _fit(Release, name, value))
    if info.label_name:
        release.label = Label.objects.get_or_create(name=_fit(Label, "name", info.label_name))[0]
    problems = delivery.message.problems
    release.status = Release.Status.QUARANTINED if problems else Release.Status.LIVE
    release.quarantine_reason = "; ".join(problems)
    release.save()
    release.artists.set(_artists(_release_artists(delivery)))


def _apply_track_info(track: Track, planned: TrackDelivery, delivery: Delivery) -> None:
    recording = planned.recording
    artists = _track_artists(planned, _release_artists(delivery))
    track.title = _fit(Track, "title", recording.title or track.title)
    says_all = recording.display_artist and all(name in recording.display_artist for name in artists)
    track.artist_display = _fit(Track, "artist_display", recording.display_artist if says_all else ", ".join(artists))
    track.isrc = planned.isrc or track.isrc
    track.genre = _fit(Track, "genre", recording.genre or delivery.release.genre or track.genre)
    track.save()
    track.artists.set(_artists(artists))


def _tracks_by_reference(release: Release, delivery: Delivery) -> dict[str, Track]:
    slots = {(t.disc_number, t.position): t for t in release.tracks.all()}
    return {t.recording.reference: t.existing or slots[(t.entry.disc_number, t.entry.track_number)]
            for t in delivery.tracks}


def _replace_cover(release: Release, delivery: Delivery, stored: StoredFiles) -> None:
    """A re-delivered cover replaces ours, stored content-addressed as the catalogue's ingest stores one."""
    cover = delivery.cover
    assert cover is not None
    sha256 = hashlib.sha256(cover.data).hexdigest()
    if sha256 == release.cover_sha256:
        return
    key = f"covers/{sha256[:2]}/{sha256}{_COVER_EXTENSIONS.get(cover.mime, '.jpg')}"
    if not default_storage.exists(key):
        key = default_storage.save(key, ContentFile(cover.data))
        stored.add(key)
    release.cover_key, release.cover_sha256 = key, sha256
    release.save(update_fields=["cover_key", "cover_sha256"])


def _release_artists(delivery: Delivery) -> tuple[str, ...]:
    """The release's artists as names: the tracks' artists that its display name mentions, in the order it
    mentions them ("A, B & C"), else the display name itself, else the first track's artists."""
    display = delivery.release.display_artist or ""
    names = dict.fromkeys(n for t in delivery.tracks for n in t.recording.display_artists if n and n in display)
    if names:
        return tuple(sorted(names, key=display.find))
    if display:
        return (display,)
    first = delivery.tracks[0].recording
    return first.display_artists or ((first.display_artist,) if first.display_artist else ("Unknown artist",))


def _track_artists(track: TrackDelivery, release_artists: tuple[str, ...]) -> tuple[str, ...]:
    recording = track.recording
    if recording.display_artists:
        return tuple(dict.fromkeys(recording.display_artists))
    return (recording.display_artist,) if recording.display_artist else release_artists


def _release_type(delivery: Delivery) -> str:
    return RELEASE_TYPES.get(delivery.release.release_type or "", Release.Type.ALBUM)


def _artists(names: tuple[str, ...]) -> list[Artist]:
    return [Artist.objects.get_or_create(name=_fit(Artist, "name", name))[0] for name in names]


def _fit(model: type[models.Model], field: str, value: Any) -> Any:
    """A text in NFC (a title sent decomposed is still found by search), cut to its column's length (a
    label's 600-character title must not fail the import)."""
    if not isinstance(value, str):
        return value
    length = getattr(model._meta.get_field(field), "max_length", None)
    text = unicodedata.normalize("NFC", value)
    return text[:length] if length else text
