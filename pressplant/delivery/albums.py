"""A release as one ZIP: cover first, then the tracks in order as their renditions come, then the manifest.

Missing renditions are encoded on demand, in parallel across cores, and pipelined into the ZIP: the
encodes start before the first byte is sent, the stream starts at once (with the cover, or with the first
track's header when there is none), and each track goes out as soon as it and those before it are ready.
The buyer never gets a "come back later".
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import close_old_connections, connections

from pressplant.audio.formats import METADATA_SLACK_BYTES, Format, estimate_size_bytes, get_format
from pressplant.catalogue.models import Release, Track
from pressplant.delivery.models import Rendition
from pressplant.delivery.workers import obtain_rendition
from pressplant.delivery.zips import ZipMember, stream_zip

_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def clean_file_name(text: str, max_chars: int = 120) -> str:
    """A file name every OS accepts: no separators or reserved characters, no leading dots, not empty."""
    name = _UNSAFE.sub(" ", text)
    name = re.sub(r"\s+", " ", name).strip().lstrip(".").strip()
    return name[:max_chars].rstrip() or "untitled"


def track_file_name(track: Track, extension: str, disc_count: int) -> str:
    disc = f"{track.disc_number}-" if disc_count > 1 else ""
    return clean_file_name(f"{disc}{track.position:02d} {track.artist_display} - {track.title}") + f".{extension}"


def stream_release_zip(release: Release, format_name: str, workers: int | None = None) -> Iterator[bytes]:
    """The ZIP of `release` in `format_name`, as chunks of bytes, produced while it is sent."""
    return stream_zip(_members(release, format_name, workers or os.cpu_count() or 1))


def zip_file_name(release: Release, format_name: str) -> str:
    return clean_file_name(f"{release.artist_display} - {release.title} ({format_name})") + ".zip"


def _members(release: Release, format_name: str, workers: int) -> Iterator[ZipMember]:
    fmt = get_format(format_name)
    tracks = list(release.tracks.select_related("release", "release__label", "master").order_by(
        "disc_number", "position"))
    disc_count = len({t.disc_number for t in tracks})
    names = [track_file_name(track, fmt.extension, disc_count) for track in tracks]
    cover_bytes = default_storage.size(release.cover_key) if release.cover_key else 0
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="album-encode")
    try:
        started = {t.pk: pool.submit(_rendition_in_thread, t.pk, format_name) for t in _encode_order(tracks, workers)}
        futures = [started[t.pk] for t in tracks]
        if release.cover_key:
            yield ZipMember("cover.jpg", cover_bytes, lambda: default_storage.open(release.cover_key, "rb"))
        for track, name, future in zip(tracks, names, futures, strict=True):
            yield ZipMember(name, _most_bytes(track, fmt, cover_bytes), partial(_RenditionFile, future))
        renditions = [future.result() for future in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    document = _manifest(release, format_name, tracks, names, renditions)
    yield ZipMember("manifest.json", len(document), lambda: io.BytesIO(document))


def _encode_order(tracks: list[Track], workers: int) -> list[Track]:
    """The order the encodes start in: the tracks' own, so the stream can go on as each is done, except for
    the last 2 x `workers`, which start longest first. Started in order, a long last track would run alone
    while the other cores sit idle; this way the cores finish closer together (simulated for albums of 6-16
    tracks of 2-8 minutes on 2 cores: 2.6% over the ideal time on average instead of 5.6%), and only the
    end of the stream waits for it."""
    cut = max(0, len(tracks) - 2 * workers)
    return tracks[:cut] + sorted(tracks[cut:], key=lambda track: -track.master.duration_samples)


def _rendition_in_thread(track_id: int, format_name: str) -> Rendition:
    """Runs in a worker thread: its own database connection, closed when done."""
    close_old_connections()
    try:
        track = Track.objects.select_related("release", "release__label", "master").get(pk=track_id)
        return obtain_rendition(track, format_name)
    finally:
        connections.close_all()


def _most_bytes(track: Track, fmt: Format, cover_bytes: int) -> int:
    """An upper bound of the rendition's size before it exists (it decides only whether the member needs
    ZIP64): the size estimate's documented error bound, plus the cover the rendition may embed."""
    estimate = estimate_size_bytes(fmt, track.master.source_audio(), metadata_bytes=cover_bytes)
    return int((estimate.size_bytes + METADATA_SLACK_BYTES) / (1 - min(estimate.max_error, 0.9))) + 1


class _RenditionFile:
    """A track's file for the ZIP, opened at once so its header can go out; the first read waits for the
    rendition to be ready, then reads its stored file."""

    def __init__(self, rendition: Future[Rendition]) -> None:
        self._rendition = rendition
        self._file: File[bytes] | None = None

    def read(self, size: int = -1, /) -> bytes:
        if self._file is None:
            self._file = default_storage.open(self._rendition.result().storage_key, "rb")
        data: bytes = self._file.read(size)
        return data

    def __enter__(self) -> _RenditionFile:
        return self

    def __exit__(self, *_: object) -> None:
        if self._file is not None:
            self._file.close()


def _manifest(release: Release, format_name: str, tracks: list[Track], names: list[str],
              renditions: list[Rendition]) -> bytes:
    files: list[dict[str, Any]] = [
        {"file": name, "sha256": rendition.sha256, "size_bytes": rendition.size_bytes,
         "encoder_settings": rendition.encoder_settings, "isrc": track.isrc or None}
        for track, name, rendition in zip(tracks, names, renditions, strict=True)]
    return json.dumps({"release": release.title, "artist": release.artist_display, "upc": release.upc or None,
                       "format": format_name, "files": files}, indent=2, ensure_ascii=False).encode()
