"""A NewReleaseMessage checked against the files beside it and the catalogue, before anything is written.

Everything that reads files (probing, hashing, metering, the cover) happens here, so a refusal is raised
before a transaction starts, and the transaction only writes. The rules on files:

- a recording new to the catalogue needs its master beside the message, matching its HashSum;
- a recording already on the release needs no file (a metadata or deals update); a file sent anyway is
  checked against its HashSum, and never replaces the stored master (buyers keep what they bought);
- a cover named by the message must be there for a new release; on a re-delivery it may be left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pressplant.audio.cover import Cover, prepare_cover
from pressplant.audio.errors import AudioError
from pressplant.audio.loudness import measure_loudness
from pressplant.audio.probe import probe
from pressplant.audio.tags import read_tags
from pressplant.catalogue.ingest import MASTER_SUFFIXES, ExaminedFile, FileOutcome, FileStatus, examine_file
from pressplant.catalogue.models import Release, Track
from pressplant.rights.ddex import ErnMessage, FileInfo, ReleaseInfo, SoundRecordingInfo, TrackEntry
from pressplant.rights.imports.errors import BadDeliveredFile, ImportRefused, MissingFile
from pressplant.rights.imports.files import check_hash, file_digest, locate, safe_relative_name
from pressplant.rights.imports.identity import valid_isrc, valid_upc


@dataclass(frozen=True)
class TrackDelivery:
    """One sound recording of the release: the track it already is, or the master that makes it one."""

    entry: TrackEntry
    recording: SoundRecordingInfo
    isrc: str
    """Normalized, or "" when absent or invalid (an invalid one quarantines the release)."""
    existing: Track | None
    file: ExaminedFile | None

    @property
    def label(self) -> str:
        """How reasons name the track: "disc 1 track 2 'Song' (A2, ISRC GBAYE2600002)"."""
        code = f", ISRC {self.recording.isrc}" if self.recording.isrc else ""
        title = self.recording.title or "untitled"
        return (f"disc {self.entry.disc_number} track {self.entry.track_number} {title!r} "
                f"({self.recording.reference}{code})")


@dataclass(frozen=True)
class Delivery:
    """What a NewReleaseMessage delivers for its main release, checked and ready to be written."""

    message: ErnMessage
    release: ReleaseInfo
    existing: Release | None
    tracks: tuple[TrackDelivery, ...]
    cover: Cover | None
    notes: tuple[str, ...]

    @property
    def new_tracks(self) -> tuple[TrackDelivery, ...]:
        return tuple(t for t in self.tracks if t.existing is None)

    @property
    def display(self) -> str:
        upc = valid_upc(self.release.icpn)
        name = f"{self.release.display_artist or 'unknown artist'} - {self.release.title}"
        return f"{name!r} (UPC {upc})" if upc else repr(name)


def plan_delivery(message: ErnMessage, release: ReleaseInfo, folder: Path | None,
                  existing: Release | None) -> Delivery:
    """Check every file the release needs; ImportRefused naming the first that is missing or wrong."""
    if not release.title:
        raise ImportRefused(f"release {release.reference} has no title")
    if not release.tracks:
        raise ImportRefused(f"release {release.reference} {release.title!r} lists no sound recordings")
    recordings = {r.reference: r for r in message.sound_recordings}
    current = list(existing.tracks.select_related("master")) if existing else []
    notes: list[str] = []
    tracks = []
    for entry in release.tracks:
        track = _plan_track(entry, recordings[entry.resource_reference], current, folder, notes)
        tracks.append(track)
    _refuse_repeated_masters(tracks)
    matched = {t.existing.pk for t in tracks if t.existing}
    notes += [f"track {t.disc_number}-{t.position} {t.title!r} (ISRC {t.isrc or 'none'}) is not in this message; "
              "it stays on the release (tracks are never removed: buyers keep what they bought)"
              for t in current if t.pk not in matched]
    cover = _plan_cover(message, release, folder, required=existing is None or not existing.cover_key)
    return Delivery(message, release, existing, tuple(tracks), cover, tuple(notes))


def _plan_track(entry: TrackEntry, recording: SoundRecordingInfo, current: list[Track], folder: Path | None,
                notes: list[str]) -> TrackDelivery:
    isrc = valid_isrc(recording.isrc) or ""
    planned = TrackDelivery(entry, recording, isrc, None, None)
    if existing := _matching_track(planned, current):
        _check_resent_master(planned, existing, folder, notes)
        return TrackDelivery(entry, recording, isrc, existing, None)
    slot = (entry.disc_number, entry.track_number)
    if holder := next((t for t in current if (t.disc_number, t.position) == slot), None):
        raise ImportRefused(f"{planned.label}: the release already has {holder.title!r} (ISRC {holder.isrc or 'none'})"
                            " in that place; a re-delivery cannot move or replace tracks")
    file = _master_file(recording, planned.label)
    path = _located(folder, file, planned.label)
    check_hash(path, file, planned.label)
    return TrackDelivery(entry, recording, isrc, None, _examined(path, folder, planned.label))


def _matching_track(planned: TrackDelivery, current: list[Track]) -> Track | None:
    """The same recording on the release: by ISRC, or by its place when the message has no valid ISRC."""
    if planned.isrc:
        return next((t for t in current if t.isrc == planned.isrc), None)
    slot = (planned.entry.disc_number, planned.entry.track_number)
    return next((t for t in current if (t.disc_number, t.position) == slot and not t.isrc), None)


def _check_resent_master(planned: TrackDelivery, existing: Track, folder: Path | None, notes: list[str]) -> None:
    if not planned.recording.files:
        return
    file = _master_file(planned.recording, planned.label)
    try:
        path = _located(folder, file, planned.label)
    except MissingFile:
        return  # a re-delivery need not send the audio again
    check_hash(path, file, planned.label)
    if file_digest(path, "sha256") != existing.master.sha256:
        notes.append(f"{planned.label}: the file sent differs from the stored master, which is kept "
                     "(a re-delivery never replaces a master)")


def _master_file(recording: SoundRecordingInfo, what: str) -> FileInfo:
    """The recording's lossless file when it sends several (a master and a preview), else its first."""
    if not recording.files:
        raise MissingFile(f"{what}: the message names no file for it, and it is not in the catalogue")
    for file in recording.files:
        if PurePosixPath(file.name.replace("\\", "/")).suffix.lower() in MASTER_SUFFIXES:
            return file
    return recording.files[0]


def _located(folder: Path | None, file: FileInfo, what: str) -> Path:
    if folder is None:
        safe_relative_name(file.name, what)  # an unsafe name is refused as such, files or not
        raise MissingFile(f"{what}: file {file.name!r} not found: the message came without its files")
    return locate(folder, file, what)


def _examined(path: Path, folder: Path | None, what: str) -> ExaminedFile:
    """Probe, hash, read and meter through the catalogue's ingest; a master another release already
    uses is examined all the same, since the message puts it on this release too."""
    assert folder is not None  # _located found the file in it
    result = examine_file(path, folder.resolve(), {})
    if isinstance(result, ExaminedFile):
        return result
    if result.status is not FileStatus.UNCHANGED:
        raise BadDeliveredFile(f"{what}: {result.reason}")
    return _examined_known(path, result, what)


def _examined_known(path: Path, outcome: FileOutcome, what: str) -> ExaminedFile:
    try:
        probed = probe(path, master=True)
        return ExaminedFile(path=path, name=outcome.path, probed=probed, sha256=file_digest(path, "sha256"),
                            tags=read_tags(path), loudness=measure_loudness(path))
    except (AudioError, OSError) as exc:
        raise BadDeliveredFile(f"{what}: {exc}") from exc


def _refuse_repeated_masters(tracks: list[TrackDelivery]) -> None:
    seen: dict[str, TrackDelivery] = {}
    for track in tracks:
        if track.file is None:
            continue
        if first := seen.get(track.file.sha256):
            raise ImportRefused(f"{track.label}: its file is the same audio as {first.label}'s")
        seen[track.file.sha256] = track


def _plan_cover(message: ErnMessage, release: ReleaseInfo, folder: Path | None, *, required: bool) -> Cover | None:
    image = next((i for i in message.images if i.reference == release.cover_image_reference), None)
    if image is None or not image.files:
        return None
    file, what = image.files[0], f"cover image {image.reference}"
    try:
        path = _located(folder, file, what)
    except MissingFile:
        if required:
            raise
        return None
    check_hash(path, file, what)
    try:
        return prepare_cover(path.read_bytes())
    except AudioError as exc:
        raise BadDeliveredFile(f"{what}: file {file.name!r}: {exc}") from exc
