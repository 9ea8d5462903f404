"""What /metrics answers: the counters of every process of the store (`pressplant.operations.metrics`),
and gauges read at the moment of the scrape by the process answering it: how many tasks wait in each
Celery queue of the Redis broker, and what the rendition cache holds.

A part that does not answer (the broker, the database) costs its gauges, never the scrape: the counters
still go out, and `pressplant_celery_broker_up` says 0.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import redis
from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Sum
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric

from pressplant.delivery.models import Rendition
from pressplant.operations.metrics import counters_registry

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_S = 2.0
KOMBU_PRIORITY_SEPARATOR = "\x06\x16"
KOMBU_PRIORITY_STEPS = (0, 3, 6, 9)
"""kombu's Redis transport keeps a queue as one list per priority step: `name` for step 0, then
`name<separator><step>`; both can be changed in the broker's transport options, as can a key prefix."""


def redis_queue_lengths(broker_url: str, queue_names: Sequence[str],
                        transport_options: Mapping[str, Any]) -> dict[str, int]:
    """Messages waiting in each queue (not those a worker has taken and not yet acknowledged)."""
    separator = transport_options.get("sep", KOMBU_PRIORITY_SEPARATOR)
    steps = list(transport_options.get("priority_steps", KOMBU_PRIORITY_STEPS))
    prefix = transport_options.get("global_keyprefix", "")
    client = redis.Redis.from_url(broker_url, socket_timeout=BROKER_TIMEOUT_S,
                                  socket_connect_timeout=BROKER_TIMEOUT_S)
    with client, client.pipeline(transaction=False) as pipe:
        for name in queue_names:
            for step in steps:
                pipe.llen(f"{prefix}{name}{separator}{step}" if step else f"{prefix}{name}")
        lengths = pipe.execute()
    return {name: sum(lengths[i * len(steps):(i + 1) * len(steps)]) for i, name in enumerate(queue_names)}


def _queue_gauges() -> Iterator[Metric]:
    from pressplant.celery import app

    broker_url = str(app.conf.broker_url or "")
    if not broker_url.startswith("redis"):  # the embedded store runs its tasks in process: no queue
        return
    names = sorted({app.conf.task_default_queue} | {queue.name for queue in app.conf.task_queues or ()})
    up = GaugeMetricFamily("pressplant_celery_broker_up", "1 when the Redis broker answered this scrape, else 0.")
    try:
        lengths = redis_queue_lengths(broker_url, names, app.conf.broker_transport_options or {})
    except redis.RedisError as exc:
        logger.warning("metrics: the task broker does not answer: %s", exc)
        up.add_metric([], 0)
        yield up
        return
    up.add_metric([], 1)
    yield up
    depth = GaugeMetricFamily("pressplant_celery_queue_length",
                              "Tasks waiting in each Celery queue of the Redis broker, not yet taken by a worker.",
                              labels=["queue"])
    for name, length in lengths.items():
        depth.add_metric([name], length)
    yield depth


def _rendition_gauges() -> Iterator[Metric]:
    try:
        rows = list(Rendition.objects.order_by().values("format_name", "status")
                    .annotate(count=Count("id"), size_bytes=Sum("size_bytes")))
    except DatabaseError as exc:
        logger.warning("metrics: the database does not answer: %s", exc)
        return
    count = GaugeMetricFamily("pressplant_renditions", "Renditions in the cache, by format and status "
                              "(ready; building: being encoded now).", labels=["format", "status"])
    size = GaugeMetricFamily("pressplant_rendition_cache_bytes", "Bytes of the ready renditions in the cache, "
                             "by format.", labels=["format"])
    for row in rows:
        count.add_metric([row["format_name"], row["status"]], row["count"])
        if row["status"] == Rendition.Status.READY:
            size.add_metric([row["format_name"]], row["size_bytes"] or 0)
    yield count
    yield size
    yield GaugeMetricFamily("pressplant_rendition_cache_limit_bytes",
                            "The cache's size cap (PRESSPLANT_RENDITION_CACHE_MAX_BYTES); least recently used "
                            "renditions are evicted past it.", value=settings.RENDITION_CACHE_MAX_BYTES)


class ScrapeTimeCollector:
    """The gauges that are read, not counted: one collection per scrape."""

    def describe(self) -> Iterable[Metric]:
        return []  # nothing to read when registered: only when scraped

    def collect(self) -> Iterator[Metric]:
        yield from _queue_gauges()
        yield from _rendition_gauges()


def exposition() -> bytes:
    """The Prometheus text format: the counters, then the gauges read now."""
    gauges = CollectorRegistry()
    gauges.register(ScrapeTimeCollector())
    return generate_latest(counters_registry()) + generate_latest(gauges)
