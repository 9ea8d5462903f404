"""The rendition cache: a track in a format, encoded once and kept in storage until it is evicted.

Key: (master content hash, format, tag version), where the tag version hashes everything the encoder
writes besides the audio (the track's tags from the catalogue, the cover, the format, the engine
version), so a corrected title or a new cover makes a new rendition and never serves a stale one.

Concurrency: the Rendition row is the lock (see `actions`). The caller that inserts the BUILDING row
encodes, renewing its lease while it works; everyone else polls for READY with backoff. A builder that
died leaves a lease that expires, and the next caller takes it over. This works across threads and
processes on SQLite and PostgreSQL alike, because it needs nothing but a unique key and conditional
UPDATEs. Do not call it inside a transaction: waiting would hold the transaction open.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connections

from pressplant.audio.formats import Format, get_format
from pressplant.audio.metadata import TrackTags
from pressplant.audio.transcode import ENGINE_VERSION, transcode
from pressplant.catalogue.models import Track
from pressplant.delivery import actions
from pressplant.delivery.models import Rendition, ready_rendition
from pressplant.operations import metrics

CACHE_KEY_VERSION = "1"
"""Bumped when what goes into the tag version changes (not the engine: ENGINE_VERSION covers that)."""
WAIT_TIMEOUT_SECONDS = 15 * 60
"""How long a caller waits for another's build before giving up (a live builder renews its lease)."""
_POLL_FIRST_SECONDS = 0.05
_POLL_MAX_SECONDS = 1.0


class RenditionError(Exception):
    """A rendition could not be had."""


class RenditionWaitTimeout(RenditionError):
    """Another caller's build did not finish in time."""


def tag_version(tags: TrackTags, cover_sha256: str, fmt: Format) -> str:
    """SHA-256 over everything besides the master's audio that decides the rendition's bytes."""
    payload = {"tags": dataclasses.asdict(tags), "cover_sha256": cover_sha256, "format": fmt.name,
               "engine": ENGINE_VERSION, "cache_key": CACHE_KEY_VERSION}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def rendition_storage_key(master_sha256: str, fmt: Format, version: str, lease_token: str) -> str:
    """Where one build is stored. The lease token in the name keeps two builders (one of them too
    slow, its lease taken over) from ever writing or deleting each other's file."""
    return (f"renditions/{master_sha256[:2]}/{master_sha256}/"
            f"{fmt.name}-{version[:12]}-{lease_token[:8]}.{fmt.extension}")


def get_or_create_rendition(track: Track, format_name: str) -> Rendition:
    """The READY rendition of `track` in `format_name`, encoded now if nobody has (or is doing it).

    Raises UnknownFormat, the engine's errors when the encode fails (leaving no row and no file), or
    RenditionWaitTimeout.
    """
    fmt = get_format(format_name)
    master = track.master
    tags = track.track_tags()
    version = tag_version(tags, track.release.cover_sha256, fmt)

    def key_for(token: str) -> str:
        return rendition_storage_key(master.sha256, fmt, version, token)

    deadline = time.monotonic() + WAIT_TIMEOUT_SECONDS
    for attempt, delay_seconds in enumerate(_backoff()):
        claim = actions.claim_rendition(master, fmt.name, version, key_for)
        if attempt == 0:  # a hit only when it was there at once; waiting for a build is a miss
            metrics.count_rendition_lookup(fmt.name, is_hit=claim.is_ready)
        if claim.is_ready:
            assert claim.rendition is not None
            actions.touch_rendition(claim.rendition)
            return claim.rendition
        if claim.is_mine and (built := _build(claim, track, fmt, tags)):
            actions.evict_renditions(settings.RENDITION_CACHE_MAX_BYTES, keep_id=built.pk)
            return built
        if time.monotonic() > deadline:
            raise RenditionWaitTimeout(f"{track}: {fmt.name} still being encoded elsewhere after "
                                       f"{WAIT_TIMEOUT_SECONDS} s")
        time.sleep(delay_seconds)
    raise AssertionError("unreachable: _backoff never ends")


def _backoff() -> Iterator[float]:
    delay = _POLL_FIRST_SECONDS
    while True:
        yield delay
        delay = min(delay * 1.5, _POLL_MAX_SECONDS)


def _build(claim: actions.Claim, track: Track, fmt: Format, tags: TrackTags) -> Rendition | None:
    """Encode, store, complete. None if the lease was lost meanwhile (someone else completes it)."""
    rendition = claim.rendition
    assert rendition is not None
    if claim.stale_storage_key:
        default_storage.delete(claim.stale_storage_key)
    stored_key = ""
    try:
        with (_scratch_dir(claim.token) as scratch, _lease_renewed(rendition.pk, claim.token),
              track.master.local_path(scratch) as master_path):
            with metrics.encode_timed(fmt.name):
                info = transcode(master_path, fmt, scratch / f"rendition.{fmt.extension}", tags=tags,
                                 cover=track.release.cover_bytes())
            stored_key, sha256 = _store(info.path, rendition.storage_key, info.size_bytes)
        done = actions.complete_rendition(rendition.pk, claim.token, storage_key=stored_key,
                                          size_bytes=info.size_bytes, sha256=sha256,
                                          encoder_settings=info.encoder_settings)
    except BaseException:
        actions.abandon_rendition(rendition.pk, claim.token)
        if stored_key:
            default_storage.delete(stored_key)
        raise
    if done is None:
        default_storage.delete(stored_key)
    return done


class _Sha256Reader:
    """A file whose reads also feed a SHA-256, so storing a rendition hashes it in the same pass."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self.digest = hashlib.sha256()
        self.hashed_bytes = 0

    def read(self, size: int = -1) -> bytes:
        data = self._fh.read(size)
        self.digest.update(data)
        self.hashed_bytes += len(data)
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fh, name)


def _store(path: Path, key: str, size_bytes: int) -> tuple[str, str]:
    """Save the encoded file to storage under `key`; return (the key storage chose, the file's SHA-256)."""
    with path.open("rb") as fh:
        reader = _Sha256Reader(fh)
        stored_key = default_storage.save(key, File(reader))  # type: ignore[arg-type]  # reads like a file
    if reader.hashed_bytes == size_bytes:
        return stored_key, reader.digest.hexdigest()
    with path.open("rb") as fh:  # the storage read the file in some other way (or twice): hash it anew
        return stored_key, hashlib.file_digest(fh, "sha256").hexdigest()


@contextmanager
def _scratch_dir(token: str) -> Iterator[Path]:
    path = Path(settings.RENDITION_WORK_DIR) / f"build-{token}"
    path.mkdir(parents=True)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def _lease_renewed(rendition_id: int, token: str) -> Iterator[None]:
    """Renew the lease from a side thread while the body works, so a long encode keeps it."""
    stop = threading.Event()

    def renew() -> None:
        try:
            while not stop.wait(actions.LEASE_SECONDS / 3):
                actions.renew_lease(rendition_id, token)
        finally:
            connections.close_all()  # this thread's own connections

    renewer = threading.Thread(target=renew, name=f"lease-{token[:8]}", daemon=True)
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join()


def cached_rendition(track: Track, format_name: str) -> Rendition | None:
    """The READY rendition of `track` in `format_name` with today's tags, if one is cached (no encode)."""
    fmt = get_format(format_name)
    version = tag_version(track.track_tags(), track.release.cover_sha256, fmt)
    return ready_rendition(track.master_id, fmt.name, version)


def exact_sizes(tracks: list[Track], format_name: str) -> dict[int, int]:
    """Track id -> exact file size, for the tracks whose rendition in `format_name` is cached.

    One query first finds which masters have any rendition in the format at all; only those tracks pay
    for computing today's tags (the usual answer, nothing cached, costs one query)."""
    encoded = _encoded_masters({t.master_id for t in tracks}, get_format(format_name).name)
    candidates = [track for track in tracks if track.master_id in encoded]
    found = (cached_rendition(track, format_name) for track in candidates)
    return {track.pk: rendition.size_bytes for track, rendition in zip(candidates, found, strict=True)
            if rendition is not None and rendition.size_bytes}


def _encoded_masters(master_ids: set[int], format_name: str) -> set[int]:
    """The masters among `master_ids` with a READY rendition in the format: written by hand, as every
    purchase and quote asks and the ORM's query building cost more than the answer."""
    if not master_ids:
        return set()
    sql = ("SELECT master_id FROM delivery_rendition WHERE status = %s AND format_name = %s "  # noqa: S608
           f"AND master_id IN ({', '.join(['%s'] * len(master_ids))})")
    with connections[Rendition.objects.db].cursor() as cursor:
        cursor.execute(sql, [Rendition.Status.READY.value, format_name, *master_ids])  # placeholders only
        return {master_id for (master_id,) in cursor.fetchall()}
