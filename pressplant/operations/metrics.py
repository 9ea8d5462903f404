"""What the store counts for Prometheus: HTTP requests, encodes, rendition cache hits and misses.

The counters live in process memory, or, when PROMETHEUS_MULTIPROC_DIR names a directory, in one file
per process there (prometheus_client's multiprocess mode), so that one scrape sums every gunicorn worker
and every Celery worker of the machine. Values read at scrape time (queue depth, the cache's size) are
not kept here: the process answering the scrape reads them (`pressplant.health.collectors`).

Every label is from a small, fixed set (a method, a URL name, a status, a format name): never a path, a
token or an id, which would make a new time series per request.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, multiprocess, values

MULTIPROCESS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
"""Any other method is counted as "other": a client may send any word there."""

ENCODE_BUCKETS_SECONDS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 40.0, 80.0, 160.0, 320.0)
"""From a short track in a fast format to a long hi-res master in AAC, the slowest (about 25x realtime)."""

HTTP_REQUESTS = Counter("pressplant_http_requests", "HTTP requests answered, by method, route and status.",
                        ["method", "route", "status"])
HTTP_REQUEST_SECONDS = Histogram("pressplant_http_request_duration_seconds",
                                 "Time from a request's arrival to its response starting (a streamed file's "
                                 "transfer is not included).", ["method", "route"])
ENCODES = Counter("pressplant_encodes", "Renditions encoded, by format and outcome (ok, failed).",
                  ["format", "outcome"])
ENCODE_SECONDS = Histogram("pressplant_encode_duration_seconds", "Time to encode one rendition that succeeded.",
                           ["format"], buckets=ENCODE_BUCKETS_SECONDS)
RENDITION_CACHE_HITS = Counter("pressplant_rendition_cache_hits",
                               "Rendition requests served from a rendition already in the cache.", ["format"])
RENDITION_CACHE_MISSES = Counter("pressplant_rendition_cache_misses",
                                 "Rendition requests that had to encode, or wait for another's encode.", ["format"])

_ALL = (HTTP_REQUESTS, HTTP_REQUEST_SECONDS, ENCODES, ENCODE_SECONDS, RENDITION_CACHE_HITS, RENDITION_CACHE_MISSES)


def count_request(method: str, route: str, status: int, seconds: float) -> None:
    method = method if method in KNOWN_METHODS else "other"
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_REQUEST_SECONDS.labels(method, route).observe(seconds)


def count_rendition_lookup(format_name: str, *, is_hit: bool) -> None:
    (RENDITION_CACHE_HITS if is_hit else RENDITION_CACHE_MISSES).labels(format_name).inc()


@contextmanager
def encode_timed(format_name: str) -> Iterator[None]:
    """Count the encode in the body as ok (and time it) or, when it raises, as failed."""
    started = time.perf_counter()
    try:
        yield
    except Exception:
        ENCODES.labels(format_name, "failed").inc()
        raise
    ENCODES.labels(format_name, "ok").inc()
    ENCODE_SECONDS.labels(format_name).observe(time.perf_counter() - started)


def multiprocess_dir() -> Path | None:
    path = os.environ.get(MULTIPROCESS_DIR_ENV, "")
    return Path(path) if path else None


def use_multiprocess_dir(path: Path) -> None:
    """From now on this process and every process it forks count into files in `path`.

    prometheus_client picks its value store once, when it is first imported, from the environment; by
    the time `pressplant serve` knows it will fork workers, Django's setup has imported it. So this drops
    any series counted so far in process memory (none must be inherited by the workers and counted where
    no scrape sees it), sets the variable and picks the store again.
    """
    for metric in _ALL:
        metric.clear()
    os.environ[MULTIPROCESS_DIR_ENV] = str(path)
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]


def forget_process(pid: int) -> None:
    """Drop the live gauges of a process that exited (its counters stay: they are history)."""
    if multiprocess_dir() is not None:
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


def counters_registry() -> CollectorRegistry:
    """What a scrape reads the counters from: every process's files, or this process's memory."""
    path = multiprocess_dir()
    if path is None:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(path))  # type: ignore[no-untyped-call]
    return registry
