"""State changes of the rendition cache: the lease protocol and eviction, one statement or transaction each.

A rendition row in BUILDING is a lease held by whoever knows its `lease_token`. Every change to a
BUILDING row names the token in its WHERE clause, so a holder that was too slow (and whose lease was
taken over) can neither complete nor delete the row it lost.
"""

from __future__ import annotations

import datetime
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from pressplant.catalogue.models import Master
from pressplant.delivery.models import Rendition

LEASE_SECONDS: float = settings.PRESSPLANT_RENDITION_LEASE_SECONDS
"""How long a BUILDING lease lasts unless renewed; a builder renews it every third of this."""
TOUCH_INTERVAL = datetime.timedelta(minutes=1)
"""A cache hit writes `last_used_at` only when it is older than this: LRU needs no finer clock."""

_EVICTION_BATCH = 100

StorageKeyFor = Callable[[str], str]
"""lease token -> the storage key the holder of that lease will write."""


@dataclass(frozen=True, slots=True)
class Claim:
    """What a caller found: a READY rendition, a lease it now holds (`token`), or someone else's lease."""

    rendition: Rendition | None
    token: str = ""
    stale_storage_key: str = ""
    """A lease taken over from a builder that died: the file it may have left, to delete."""

    @property
    def is_ready(self) -> bool:
        return self.rendition is not None and self.rendition.status == Rendition.Status.READY

    @property
    def is_mine(self) -> bool:
        return bool(self.token)


def _lease_end() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=LEASE_SECONDS)


def claim_rendition(master: Master, format_name: str, tag_version: str, key_for: StorageKeyFor) -> Claim:
    """Find the rendition, or take the lease to build it: insert a BUILDING row, or take over one
    whose lease expired. Losing a race returns a Claim that is neither ready nor mine: wait, ask again."""
    row = Rendition.objects.filter(master=master, format_name=format_name, tag_version=tag_version).first()
    if row is None:
        token = secrets.token_hex(16)
        try:
            with transaction.atomic():
                row = Rendition.objects.create(
                    master=master, format_name=format_name, tag_version=tag_version,
                    status=Rendition.Status.BUILDING, lease_token=token, lease_expires_at=_lease_end(),
                    storage_key=key_for(token),
                )
        except IntegrityError:
            return Claim(rendition=None)
        return Claim(rendition=row, token=token)
    expired = row.lease_expires_at is not None and row.lease_expires_at < timezone.now()
    if row.status == Rendition.Status.BUILDING and expired:
        return _take_over(row, key_for)
    return Claim(rendition=row)


def _take_over(row: Rendition, key_for: StorageKeyFor) -> Claim:
    """A conditional UPDATE: of all callers that saw the same expired lease, exactly one wins it."""
    token = secrets.token_hex(16)
    won = Rendition.objects.filter(
        pk=row.pk, status=Rendition.Status.BUILDING, lease_token=row.lease_token,
        lease_expires_at__lt=timezone.now(),
    ).update(lease_token=token, lease_expires_at=_lease_end(), storage_key=key_for(token))
    if not won:
        return Claim(rendition=row)
    _remove_abandoned_scratch(row.lease_token, row.lease_expires_at)
    stale_key = row.storage_key
    row.refresh_from_db()
    return Claim(rendition=row, token=token, stale_storage_key=stale_key)


def _remove_abandoned_scratch(dead_token: str, lapsed_at: datetime.datetime | None) -> None:
    """Remove the scratch folder a dead builder left, if it was on this machine (each host has its own).

    Keep it if anything in it changed after the lease lapsed: its builder is then alive, only too slow to
    renew, and still writing (it will find its lease lost when it tries to complete)."""
    folder = Path(settings.RENDITION_WORK_DIR) / f"build-{dead_token}"
    if not dead_token or lapsed_at is None or not folder.is_dir():
        return
    try:
        last_change = max((p.stat().st_mtime for p in (folder, *folder.rglob("*"))), default=0.0)
    except OSError:  # its builder is removing it right now: it is alive
        return
    if last_change < lapsed_at.timestamp():
        shutil.rmtree(folder, ignore_errors=True)


def renew_lease(rendition_id: int, token: str) -> bool:
    return bool(Rendition.objects.filter(pk=rendition_id, status=Rendition.Status.BUILDING, lease_token=token)
                .update(lease_expires_at=_lease_end()))


def complete_rendition(rendition_id: int, token: str, *, storage_key: str, size_bytes: int, sha256: str,
                       encoder_settings: str) -> Rendition | None:
    """BUILDING -> READY, if the lease is still `token`'s; None if it was lost."""
    now = timezone.now()
    building = Rendition.objects.filter(pk=rendition_id, status=Rendition.Status.BUILDING, lease_token=token)
    done = building.update(
        status=Rendition.Status.READY, storage_key=storage_key, size_bytes=size_bytes, sha256=sha256,
        encoder_settings=encoder_settings[:200], lease_token="", lease_expires_at=None, last_used_at=now,
    )
    return Rendition.objects.get(pk=rendition_id) if done else None


def abandon_rendition(rendition_id: int, token: str) -> None:
    """Delete a BUILDING row whose build failed, so the next caller starts afresh."""
    Rendition.objects.filter(pk=rendition_id, status=Rendition.Status.BUILDING, lease_token=token).delete()


def touch_rendition(rendition: Rendition) -> None:
    """Record a cache hit for LRU eviction: at most one write per TOUCH_INTERVAL and rendition."""
    now = timezone.now()
    if rendition.last_used_at < now - TOUCH_INTERVAL:
        Rendition.objects.filter(pk=rendition.pk).update(last_used_at=now)
        rendition.last_used_at = now


def evict_renditions(max_bytes: int, keep_id: int | None = None) -> list[str]:
    """Delete least recently used READY renditions (row, then file) until the total is at most
    `max_bytes`; never `keep_id`. Returns the storage keys deleted."""
    total_bytes = Rendition.objects.ready().aggregate(total=Sum("size_bytes"))["total"] or 0
    evicted: list[str] = []
    candidates = Rendition.objects.least_recently_used()
    if keep_id is not None:
        candidates = candidates.exclude(pk=keep_id)
    while total_bytes > max_bytes:
        batch = list(candidates[:_EVICTION_BATCH])
        freed_bytes = sum(_evict(candidate, evicted) for candidate in _enough(batch, total_bytes - max_bytes))
        if not freed_bytes:
            break
        total_bytes -= freed_bytes
    return evicted


def _enough(batch: list[Rendition], excess_bytes: int) -> list[Rendition]:
    """The shortest prefix of `batch` whose sizes cover `excess_bytes`."""
    chosen = []
    for candidate in batch:
        if excess_bytes <= 0:
            break
        chosen.append(candidate)
        excess_bytes -= candidate.size_bytes or 0
    return chosen


def _evict(candidate: Rendition, evicted: list[str]) -> int:
    # Only if nobody used it since we looked: a row just touched is no longer the least recent.
    deleted, _ = Rendition.objects.filter(pk=candidate.pk, status=Rendition.Status.READY,
                                          last_used_at=candidate.last_used_at).delete()
    if not deleted:
        return 0
    default_storage.delete(candidate.storage_key)
    evicted.append(candidate.storage_key)
    return candidate.size_bytes or 0
