"""Renditions for web requests: from the cache at once, else encoded by a Celery worker or in process.

Scale-out (PRESSPLANT_ENCODE_ON_WORKERS, on when a broker is configured): a missing rendition is sent to
a worker as `encode_rendition` and the web process waits for its answer, so encodes use the workers' CPUs
and never the web workers'. Embedded (no broker): the web process encodes itself, as it always did.

A worker that dies in the middle of an encode leaves its task unacknowledged; Redis hands it to another
worker only after the visibility timeout, which is long. A buyer does not wait that long: once the dead
builder's lease lapses (PRESSPLANT_RENDITION_LEASE_SECONDS), the encode is sent again, a live worker takes
the lease over, and the first task, when it comes back, finds the rendition READY and does nothing.
"""

from __future__ import annotations

import time

from celery.exceptions import TimeoutError as ResultNotYet
from celery.result import AsyncResult
from django.conf import settings
from django.utils import timezone

from pressplant.audio.formats import Format, get_format
from pressplant.catalogue.models import Track
from pressplant.delivery import actions
from pressplant.delivery.cache import (
    WAIT_TIMEOUT_SECONDS,
    RenditionWaitTimeout,
    cached_rendition,
    get_or_create_rendition,
    tag_version,
)
from pressplant.delivery.models import Rendition
from pressplant.delivery.tasks import encode_rendition
from pressplant.operations import metrics

RESULT_POLL_SECONDS = 2.0
"""How long one wait for the worker's answer lasts before the rendition row is looked at again."""


def obtain_rendition(track: Track, format_name: str) -> Rendition:
    """The READY rendition of `track` in `format_name`: cached, or encoded now (on a worker in scale-out).

    Raises UnknownFormat, the engine's errors when the encode fails, or RenditionWaitTimeout after
    delivery.cache.WAIT_TIMEOUT_SECONDS. Do not call it from a task: a worker waiting for a worker can
    wait for itself."""
    if (ready := cached_rendition(track, format_name)) is not None:
        metrics.count_rendition_lookup(ready.format_name, is_hit=True)  # misses: counted where the encode runs
        actions.touch_rendition(ready)
        return ready
    if not settings.PRESSPLANT_ENCODE_ON_WORKERS:
        return get_or_create_rendition(track, format_name)
    return _encoded_by_a_worker(track, get_format(format_name))


def _encoded_by_a_worker(track: Track, fmt: Format) -> Rendition:
    deadline = time.monotonic() + WAIT_TIMEOUT_SECONDS
    version = tag_version(track.track_tags(), track.release.cover_sha256, fmt)
    result: AsyncResult = encode_rendition.delay(track.pk, fmt.name)
    resent_for: set[str] = set()
    while True:
        try:
            rendition_id = result.get(timeout=RESULT_POLL_SECONDS)
        except ResultNotYet:
            pass
        else:
            return Rendition.objects.get(pk=rendition_id)
        if time.monotonic() > deadline:
            raise RenditionWaitTimeout(f"{track}: no worker finished {fmt.name} in {WAIT_TIMEOUT_SECONDS} s")
        dead_token = _lapsed_lease(track, fmt, version)
        if dead_token and dead_token not in resent_for:
            resent_for.add(dead_token)
            result = encode_rendition.delay(track.pk, fmt.name)


def _lapsed_lease(track: Track, fmt: Format, version: str) -> str:
    """The token of a BUILDING lease on this rendition that lapsed (its builder died), else ""."""
    token = (Rendition.objects.filter(master_id=track.master_id, format_name=fmt.name, tag_version=version,
                                      status=Rendition.Status.BUILDING, lease_expires_at__lt=timezone.now())
             .values_list("lease_token", flat=True).first())
    return token or ""
