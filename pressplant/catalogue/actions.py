"""State changes of the catalogue. Each release is written in one transaction.

Files go to storage first, under content-addressed keys, and rows second; when the rows cannot be
written the files this run stored are deleted again, so a failure leaves neither rows nor files.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction

from pressplant.audio.errors import AudioError
from pressplant.audio.loudness import measure_album_loudness
from pressplant.audio.metadata import Loudness
from pressplant.catalogue.ingest import (
    ExaminedFile,
    FileOutcome,
    FileStatus,
    IngestProgress,
    IngestReport,
    QuarantinedRelease,
    ReleasePlan,
    TrackPlan,
    examine_file,
    find_audio_files,
    name_in_tree,
    plan_releases,
)
from pressplant.catalogue.models import Artist, Label, Master, Release, Track

logger = logging.getLogger(__name__)

_COVER_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png"}


class SlotTaken(Exception):
    """A track's (disc, position) on an existing release holds another recording."""


@dataclass(slots=True)
class _Stored:
    """Storage keys for one release, and the ones this run wrote (to delete if the rows fail)."""

    masters: dict[str, str] = field(default_factory=dict)
    cover_key: str = ""
    written: list[str] = field(default_factory=list)


def ingest_tree(root: Path, progress: IngestProgress | None = None) -> IngestReport:
    """Add every lossless master under `root` (a folder, or one file) to the catalogue; running it
    again changes nothing. Bad files are reported and the rest still go in."""
    report = IngestReport(root=str(root))
    examined = _examine_all(root, report, progress)
    for plan in plan_releases(examined, report):
        ingest_release(plan, report)
    report.files.sort(key=lambda outcome: outcome.path)
    return report


def _examine_all(root: Path, report: IngestReport, progress: IngestProgress | None) -> list[ExaminedFile]:
    paths = find_audio_files(root)
    seen: dict[str, str] = {}
    examined = []
    for done, path in enumerate(paths, start=1):
        result = examine_file(path, root, seen)
        if isinstance(result, FileOutcome):
            report.files.append(result)
        else:
            examined.append(result)
        if progress:
            progress(done, len(paths), name_in_tree(path, root))
    return examined


def ingest_release(plan: ReleasePlan, report: IngestReport) -> Release | None:
    """Store one planned release (or the new tracks of one already in the catalogue)."""
    existing = Release.objects.filter(title=plan.title, artist_display=plan.artist_display,
                                      upc=plan.upc).first()
    if existing:
        plan = _without_taken_slots(plan, existing, report)
        if not plan.tracks:
            return None
    stored = _Stored()
    try:
        album_loudness = _album_loudness(plan, existing)
        _store_files(plan, stored)
        with transaction.atomic():
            release = _write_release(plan, existing, stored, album_loudness)
    except Exception as exc:
        if not isinstance(exc, AudioError | DatabaseError | OSError | SlotTaken):
            logger.exception("ingest: unexpected error storing %s", plan.display)
        for key in stored.written:
            default_storage.delete(key)
        reason = f"release {plan.display!r} not stored: {exc}"
        report.files.extend(FileOutcome(t.file.name, FileStatus.FAILED, reason) for t in plan.tracks)
        return None
    _report_release(plan, release, existing is not None, report)
    return release


def _without_taken_slots(plan: ReleasePlan, release: Release, report: IngestReport) -> ReleasePlan:
    taken = {(t.disc_number, t.position): t for t in release.tracks.all()}
    kept = []
    for track in plan.tracks:
        if holder := taken.get((track.disc_number, track.position)):
            reason = (f"{track.label_text}: {plan.display!r} already has {holder.title!r} in that place, "
                      "from another file; ingest does not replace tracks")
            report.files.append(FileOutcome(track.file.name, FileStatus.FAILED, reason))
        else:
            kept.append(track)
    return dataclasses.replace(plan, tracks=tuple(kept))


def _album_loudness(plan: ReleasePlan, existing: Release | None) -> Loudness:
    """The release as one programme, every track in order, those already stored included."""
    new = [(t.disc_number, t.position, t.file.path) for t in plan.tracks]
    if existing is None:
        return measure_album_loudness([path for _, _, path in sorted(new)])
    with tempfile.TemporaryDirectory(prefix="pressplant-ingest-") as scratch, ExitStack() as stack:
        old = [(t.disc_number, t.position, stack.enter_context(t.master.local_path(Path(scratch))))
               for t in existing.tracks.select_related("master")]
        return measure_album_loudness([path for _, _, path in sorted(old + new)])


def _store_files(plan: ReleasePlan, stored: _Stored) -> None:
    for track in plan.tracks:
        file = track.file
        if master := Master.objects.filter(sha256=file.sha256).first():
            stored.masters[file.sha256] = master.storage_key
            continue
        key = f"masters/{file.sha256[:2]}/{file.sha256}{file.path.suffix.lower()}"
        with file.path.open("rb") as fh:
            stored.masters[file.sha256] = _store(key, File(fh), file.probed.size_bytes, stored)
    if plan.cover:
        cover_sha256 = _sha256_hex(plan.cover.data)
        key = f"covers/{cover_sha256[:2]}/{cover_sha256}{_COVER_EXTENSIONS.get(plan.cover.mime, '.jpg')}"
        stored.cover_key = _store(key, ContentFile(plan.cover.data), len(plan.cover.data), stored)


def _store(key: str, content: File[bytes], size_bytes: int, stored: _Stored) -> str:
    """Save under a content-addressed key; a whole file already there is the same content and is kept
    (a shorter one was cut short by a crash and is replaced)."""
    if default_storage.exists(key):
        if default_storage.size(key) == size_bytes:
            return key
        default_storage.delete(key)
    name = default_storage.save(key, content)
    stored.written.append(name)
    return name


def _write_release(plan: ReleasePlan, existing: Release | None, stored: _Stored,
                   album_loudness: Loudness) -> Release:
    release = existing or _new_release(plan, stored)
    release.album_integrated_lufs = album_loudness.integrated_lufs
    release.album_true_peak_dbtp = album_loudness.true_peak_dbtp
    if plan.quarantine_reasons:
        release.status = Release.Status.QUARANTINED
        reasons = [release.quarantine_reason, *plan.quarantine_reasons]
        release.quarantine_reason = "; ".join(reason for reason in reasons if reason)
    release.save()
    if existing is None:
        release.artists.set(_artists(plan.artists))
    for track in plan.tracks:
        _add_track(release, track, Master.objects.filter(sha256=track.file.sha256).first()
                   or _new_master(track.file, stored.masters[track.file.sha256]))
    return release


def _new_release(plan: ReleasePlan, stored: _Stored) -> Release:
    return Release(
        title=plan.title, release_type=plan.release_type, upc=plan.upc, release_date=plan.release_date,
        year=plan.year, genre=plan.genre, c_line=plan.c_line,
        label=Label.objects.get_or_create(name=plan.label)[0] if plan.label else None,
        artist_display=plan.artist_display, cover_key=stored.cover_key,
        cover_sha256=_sha256_hex(plan.cover.data) if plan.cover else "",
    )


def _new_master(file: ExaminedFile, storage_key: str) -> Master:
    probed = file.probed
    details = probed.as_dict()
    details.pop("path")  # the machine's own path says nothing about the master
    return Master.objects.create(
        sha256=file.sha256, storage_key=storage_key, original_name=file.name, size_bytes=probed.size_bytes,
        codec=probed.codec, container=probed.container, sample_rate_hz=probed.sample_rate_hz,
        bit_depth=probed.bit_depth or 0, channels=probed.channels, duration_samples=probed.duration_samples,
        integrated_lufs=file.loudness.integrated_lufs, true_peak_dbtp=file.loudness.true_peak_dbtp,
        probe=details,
    )


def _add_track(release: Release, plan: TrackPlan, master: Master) -> Track:
    if release.tracks.filter(disc_number=plan.disc_number, position=plan.position).exists():
        raise SlotTaken(f"{plan.label_text}: that place on the release was taken while ingesting")
    track = Track.objects.create(
        release=release, disc_number=plan.disc_number, position=plan.position, title=plan.title,
        isrc=plan.isrc, artist_display=plan.artist_display, genre=plan.file.tag("genre"), master=master,
        duration_ms=plan.file.probed.duration_ms,
    )
    track.artists.set(_artists(plan.artists))
    return track


def _artists(names: tuple[str, ...]) -> list[Artist]:
    return [Artist.objects.get_or_create(name=name)[0] for name in names]


def _report_release(plan: ReleasePlan, release: Release, extended: bool, report: IngestReport) -> None:
    (report.releases_extended if extended else report.releases_added).append(plan.display)
    report.tracks_added += len(plan.tracks)
    report.files.extend(FileOutcome(t.file.name, FileStatus.ADDED, "", plan.display) for t in plan.tracks)
    if release.status == Release.Status.QUARANTINED:
        report.quarantined.append(QuarantinedRelease(plan.display, release.quarantine_reason))


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
