"""Ingest: a folder tree of lossless masters, examined file by file and grouped into release plans.

This module reads (files, tags, the catalogue) and writes nothing; `actions.ingest_tree` stores the
plans it makes. A file that cannot be a master becomes a FileOutcome with its reason and never reaches
a plan, so nothing is stored for it.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from pressplant.audio.cover import Cover, prepare_cover
from pressplant.audio.errors import AudioError, BadCover, LossyMaster
from pressplant.audio.loudness import measure_loudness
from pressplant.audio.metadata import Loudness
from pressplant.audio.probe import ProbeResult, probe
from pressplant.audio.tags import FRONT_COVER, ReadTags, read_tags
from pressplant.catalogue.identifiers import InvalidIdentifier, normalize_barcode, normalize_isrc
from pressplant.catalogue.models import Release, Track

MASTER_SUFFIXES = frozenset({".flac", ".wav", ".wave", ".aif", ".aiff", ".aifc", ".m4a"})
"""Files examined as masters (.m4a may hold ALAC; probe tells it from AAC)."""
LOSSY_SUFFIXES = frozenset({".mp3", ".mp2", ".aac", ".ogg", ".oga", ".opus", ".wma", ".mp4"})
"""Files examined only to say why they are not taken: lossy audio offered where masters are expected."""
COVER_FILE_NAMES = ("cover.jpg", "cover.jpeg", "cover.png", "folder.jpg", "folder.jpeg", "folder.png",
                    "front.jpg", "front.png")
"""Cover files looked for (case-insensitively) in a release's folders when no track embeds a picture."""
RELEASE_TYPE_LIMITS = ((Release.Type.SINGLE, 3, 10 * 60_000), (Release.Type.EP, 6, 30 * 60_000))
"""(type, at most this many tracks, shorter than this many ms): the stores' rule; anything longer is
an album."""
VARIOUS_ARTISTS = frozenset({"various artists", "various", "va"})
_HASH_CHUNK_BYTES = 1 << 20
logger = logging.getLogger(__name__)
_YEAR = re.compile(r"^(\d{4})")

IngestProgress = Callable[[int, int, str], None]
"""progress(files_done, files_total, name): called after each file has been examined; `name` is the
file's path relative to the ingested folder."""


class FileStatus(StrEnum):
    ADDED = "added"
    UNCHANGED = "unchanged"
    FAILED = "failed"
    SKIPPED = "skipped"
    """Lossy audio: reported, never a master."""


@dataclass(frozen=True, slots=True)
class FileOutcome:
    path: str
    """Relative to the ingested folder."""
    status: FileStatus
    reason: str = ""
    release: str = ""


@dataclass(frozen=True, slots=True)
class QuarantinedRelease:
    release: str
    reason: str


@dataclass(slots=True)
class IngestReport:
    """What one ingest did, file by file, and what a person has to look at."""

    root: str
    files: list[FileOutcome] = field(default_factory=list)
    releases_added: list[str] = field(default_factory=list)
    releases_extended: list[str] = field(default_factory=list)
    """Existing releases that got new tracks."""
    tracks_added: int = 0
    quarantined: list[QuarantinedRelease] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """Allowed but worth fixing: a missing ISRC or UPC, no cover, a title taken from the file name."""

    def counts(self) -> dict[str, int]:
        return {status.value: sum(1 for f in self.files if f.status is status) for status in FileStatus}

    @property
    def failed(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status is FileStatus.FAILED]

    def summary(self) -> str:
        """The report as a person reads it: the counts, then every file not taken and why, the
        quarantined releases and the warnings."""
        counts = ", ".join(f"{n} {status}" for status, n in self.counts().items())
        lines = [f"{counts}; {len(self.releases_added)} releases added, "
                 f"{len(self.releases_extended)} extended, {self.tracks_added} tracks added"]
        lines += [f"{f.status}: {f.path}: {f.reason}" for f in self.files
                  if f.status in (FileStatus.FAILED, FileStatus.SKIPPED)]
        lines += [f"quarantined: {q.release}: {q.reason}" for q in self.quarantined]
        lines += [f"warning: {warning}" for warning in self.warnings]
        return "\n".join(lines)

    def outcome(self, path: str) -> FileOutcome:
        return next(f for f in self.files if f.path == path)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "counts": self.counts()}


@dataclass(frozen=True, slots=True)
class ExaminedFile:
    """A master that passed probing, with its content hash, tags and loudness."""

    path: Path
    name: str
    probed: ProbeResult
    sha256: str
    tags: ReadTags
    loudness: Loudness

    def tag(self, name: str) -> str:
        return (self.tags.first(name) or "").strip()

    def tag_values(self, name: str) -> list[str]:
        return [value.strip() for value in self.tags.fields.get(name, []) if value.strip()]


@dataclass(frozen=True, slots=True)
class TrackPlan:
    file: ExaminedFile
    disc_number: int
    position: int
    title: str
    artists: tuple[str, ...]
    isrc: str
    """Normalized, or "" when the file has none (or an invalid one, which quarantines the release)."""

    @property
    def artist_display(self) -> str:
        return ", ".join(self.artists)

    @property
    def label_text(self) -> str:
        """How reasons name the track: "track 3 'Song'" (with the disc when there are several)."""
        disc = f"disc {self.disc_number} " if self.disc_number > 1 else ""
        return f"{disc}track {self.position} {self.title!r}"


@dataclass(frozen=True, slots=True)
class ReleasePlan:
    title: str
    artists: tuple[str, ...]
    upc: str
    release_date: datetime.date | None
    year: int | None
    genre: str
    label: str
    c_line: str
    release_type: str
    tracks: tuple[TrackPlan, ...]
    cover: Cover | None
    quarantine_reasons: tuple[str, ...] = ()

    @property
    def artist_display(self) -> str:
        return ", ".join(self.artists)

    @property
    def display(self) -> str:
        return f"{self.artist_display} - {self.title}"


def find_audio_files(root: Path) -> list[Path]:
    """Every file under `root` (or `root` itself, a file) that is, or claims to be, audio, in a
    stable order."""
    suffixes = MASTER_SUFFIXES | LOSSY_SUFFIXES
    candidates = [root] if root.is_file() else root.rglob("*")
    return sorted(p for p in candidates if p.is_file() and p.suffix.lower() in suffixes)


def name_in_tree(path: Path, root: Path) -> str:
    """How the report names a file: relative to the ingested folder (to its folder, for one file)."""
    return path.relative_to(root.parent if root.is_file() else root).as_posix()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def examine_file(path: Path, root: Path, seen: dict[str, str]) -> ExaminedFile | FileOutcome:
    """Probe, hash, read and meter one file; or say why it is not taken. `seen` maps the hashes
    examined so far in this run to their names, so a copy of a file is not added twice."""
    name = name_in_tree(path, root)
    try:
        probed = probe(path, master=True)
        sha256 = file_sha256(path)
        if duplicate := seen.get(sha256):
            return FileOutcome(name, FileStatus.UNCHANGED, f"same file as {duplicate}")
        seen[sha256] = name
        if known := Track.objects.filter(master__sha256=sha256).select_related("release").first():
            return FileOutcome(name, FileStatus.UNCHANGED, "already in the catalogue", str(known.release))
        return ExaminedFile(path=path, name=name, probed=probed, sha256=sha256, tags=read_tags(path),
                            loudness=measure_loudness(path))
    except LossyMaster as exc:
        return FileOutcome(name, FileStatus.SKIPPED, f"lossy, not a master: {exc}")
    except (AudioError, OSError) as exc:
        return FileOutcome(name, FileStatus.FAILED, str(exc))
    except Exception as exc:  # a bug or a library's surprise must not stop the other files
        logger.exception("ingest: unexpected error examining %s", name)
        return FileOutcome(name, FileStatus.FAILED, f"{path.name}: unexpected {type(exc).__name__}: {exc}")


def plan_releases(files: Iterable[ExaminedFile], report: IngestReport) -> list[ReleasePlan]:
    """Group files into releases by album tags; files that cannot take a place go to the report."""
    groups: dict[tuple[str, str, str], list[ExaminedFile]] = {}
    for file in files:
        groups.setdefault(_release_key(file), []).append(file)
    return [plan for group in groups.values() if (plan := _plan_release(group, report))]


def _release_key(file: ExaminedFile) -> tuple[str, str, str]:
    album = file.tag("album") or f"folder:{file.path.parent}"
    artist = file.tag("albumartist") or file.tag("artist")
    return album.casefold(), artist.casefold(), file.tag("barcode")


def _plan_release(group: list[ExaminedFile], report: IngestReport) -> ReleasePlan | None:
    first = min(group, key=_slot_order)
    artists = tuple(first.tag_values("albumartist") or first.tag_values("artist"))
    tracks = _plan_tracks(group, artists, report)
    if not tracks:
        return None
    upc, upc_problem = _identifier(first.tag("barcode"), normalize_barcode)
    reasons = [upc_problem] if upc_problem else []
    reasons += [problem for t in tracks if (problem := _track_problem(t))]
    plan = ReleasePlan(
        title=first.tag("album") or first.path.parent.name, artists=artists, upc=upc,
        release_date=_date(first.tag("date")), year=_year(first.tag("date")), genre=first.tag("genre"),
        label=first.tag("label"), c_line=first.tag("copyright"),
        release_type=_release_type(artists, tracks), tracks=tracks, cover=_cover(group, report),
        quarantine_reasons=tuple(reasons),
    )
    report.warnings.extend(_warnings(plan, first))
    return plan


def _plan_tracks(group: list[ExaminedFile], album_artists: tuple[str, ...],
                 report: IngestReport) -> tuple[TrackPlan, ...]:
    """Each file in its (disc, position) slot; unnumbered files after the numbered, by name."""
    taken: dict[tuple[int, int], ExaminedFile] = {}
    plans = []
    for file in sorted(group, key=_slot_order):
        disc = _number(file.tag("discnumber")) or 1
        position = _number(file.tag("tracknumber")) or max((p for d, p in taken if d == disc), default=0) + 1
        if holder := taken.get((disc, position)):
            report.files.append(FileOutcome(file.name, FileStatus.FAILED,
                                            f"disc {disc} track {position} is already {holder.name}"))
            continue
        taken[(disc, position)] = file
        isrc, _ = _identifier(file.tag("isrc"), normalize_isrc)
        plans.append(TrackPlan(file=file, disc_number=disc, position=position,
                               title=file.tag("title") or file.path.stem,
                               artists=tuple(file.tag_values("artist")) or album_artists, isrc=isrc))
    return tuple(plans)


def _slot_order(file: ExaminedFile) -> tuple[int, int, str]:
    return (_number(file.tag("discnumber")) or 1, _number(file.tag("tracknumber")) or 10**6, file.name)


def _track_problem(track: TrackPlan) -> str | None:
    _, problem = _identifier(track.file.tag("isrc"), normalize_isrc)
    if problem:
        return f"{track.label_text}: {problem}"
    if not track.artists:
        return f"{track.label_text}: no artist in the tags"
    return None


def _identifier(value: str, normalize: Callable[[str], str]) -> tuple[str, str | None]:
    """(normalized value, None), ("", None) when absent, ("", the problem) when invalid."""
    if not value:
        return "", None
    try:
        return normalize(value), None
    except InvalidIdentifier as exc:
        return "", str(exc)


def _warnings(plan: ReleasePlan, first: ExaminedFile) -> list[str]:
    found = [] if plan.upc or first.tag("barcode") else [f"{plan.display}: no UPC/EAN"]
    for track in plan.tracks:
        if not track.file.tag("isrc"):
            found.append(f"{plan.display}: {track.label_text}: no ISRC")
        if not track.file.tag("title"):
            found.append(f"{plan.display}: {track.label_text}: no title tag; titled after its file name")
    if not first.tag("album"):
        found.append(f"{plan.display}: no album tag; the release is named after its folder")
    if plan.cover is None:
        found.append(f"{plan.display}: no cover")
    return found


def _cover(group: list[ExaminedFile], report: IngestReport) -> Cover | None:
    """The first picture that prepare_cover accepts: embedded front covers, other embedded pictures,
    then cover files in the release's folders. Refused pictures are reported as warnings."""
    embedded = [p for f in group for p in f.tags.pictures]
    embedded.sort(key=lambda picture: picture.picture_type != FRONT_COVER)
    candidates = [(f"embedded {p.mime} picture", p.data) for p in embedded]
    for folder in sorted({f.path.parent for f in group}):
        candidates += [(str(path.name), path.read_bytes()) for path in _cover_files(folder)]
    for source, data in candidates:
        try:
            return prepare_cover(data)
        except BadCover as exc:
            report.warnings.append(f"{group[0].path.parent.name}: {source} not used: {exc}")
    return None


def _cover_files(folder: Path) -> list[Path]:
    by_name = {path.name.lower(): path for path in folder.iterdir() if path.is_file()}
    return [by_name[name] for name in COVER_FILE_NAMES if name in by_name]


def _release_type(artists: tuple[str, ...], tracks: tuple[TrackPlan, ...]) -> str:
    if len(artists) == 1 and artists[0].casefold() in VARIOUS_ARTISTS:
        return Release.Type.COMPILATION
    duration_ms = sum(t.file.probed.duration_ms for t in tracks)
    for release_type, max_tracks, max_duration_ms in RELEASE_TYPE_LIMITS:
        if len(tracks) <= max_tracks and duration_ms < max_duration_ms:
            return release_type
    return Release.Type.ALBUM


def _number(text: str) -> int | None:
    digits = text.strip()
    return int(digits) if digits.isdigit() and int(digits) > 0 else None


def _date(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text[:10]) if len(text) >= 10 else None
    except ValueError:
        return None


def _year(text: str) -> int | None:
    match = _YEAR.match(text)
    return int(match.group(1)) if match else None
