"""A release as one ZIP: cover first, then the tracks in order as their renditions come, then the manifest.

Missing renditions are encoded on demand, in parallel across cores, and pipelined into the ZIP: the
stream starts with the cover at once, and each track goes out as soon as it and those before it are
ready. The buyer never gets a "come back later".
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.core.files.storage import default_storage
from django.db import close_old_connections, connections

from pressplant.audio.formats import get_format
from pressplant.catalogue.models import Release, Track
from pressplant.delivery.cache import get_or_create_rendition
from pressplant.delivery.models import Rendition
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
    if release.cover_key:
        yield _stored_member("cover.jpg", release.cover_key)
    disc_count = len({t.disc_number for t in tracks})
    manifest: list[dict[str, Any]] = []
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="album-encode")
    try:
        futures: list[Future[Rendition]] = [pool.submit(_rendition_in_thread, t.pk, format_name) for t in tracks]
        for track, future in zip(tracks, futures, strict=True):
            rendition = future.result()
            name = track_file_name(track, fmt.extension, disc_count)
            manifest.append({"file": name, "sha256": rendition.sha256, "size_bytes": rendition.size_bytes,
                             "encoder_settings": rendition.encoder_settings, "isrc": track.isrc or None})
            yield _stored_member(name, rendition.storage_key, rendition.size_bytes)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    document = json.dumps({"release": release.title, "artist": release.artist_display, "upc": release.upc or None,
                           "format": format_name, "files": manifest}, indent=2, ensure_ascii=False).encode()
    yield ZipMember("manifest.json", len(document), lambda: _bytes_file(document))


def _rendition_in_thread(track_id: int, format_name: str) -> Rendition:
    """Runs in a worker thread: its own database connection, closed when done."""
    close_old_connections()
    try:
        track = Track.objects.select_related("release", "release__label", "master").get(pk=track_id)
        return get_or_create_rendition(track, format_name)
    finally:
        connections.close_all()


def _stored_member(name: str, key: str, size_bytes: int | None = None) -> ZipMember:
    size = size_bytes if size_bytes is not None else default_storage.size(key)
    return ZipMember(name, size, lambda: default_storage.open(key, "rb"))


def _bytes_file(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)
