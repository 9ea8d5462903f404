"""The renditions that sell most, and warming the rendition cache with them before buyers ask.

A sale counts once for every track it lets its buyer download, in the format bought: a track sale for
its track, a release sale for each track of the release. Refunded orders do not count. The best sellers
of the last days are the likeliest next downloads (a buyer downloads at once, and again later), so
encoding them ahead at night spares the next buyers the wait.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count
from django.utils import timezone

from pressplant.audio.errors import AudioError
from pressplant.audio.formats import FORMATS
from pressplant.catalogue.models import Track
from pressplant.delivery.cache import RenditionError, cached_rendition
from pressplant.delivery.tasks import encode_rendition
from pressplant.orders.models import Order, OrderLine

DEFAULT_TOP = 100
"""How many (track, format) pairs a prewarm run keeps encoded."""
DEFAULT_DAYS = 30
"""How far back a prewarm run counts sales."""
PREWARM_PRIORITY = 9
"""Redis serves priority 0 (every other task) first: a buyer's encode never queues behind a prewarm run."""


@dataclass(frozen=True, slots=True)
class BestSeller:
    track_id: int
    format_name: str
    sales: int

    def as_dict(self) -> dict[str, Any]:
        return {"track_id": self.track_id, "format": self.format_name, "sales": self.sales}


def best_sellers(top: int, days: int, *, now: datetime | None = None) -> list[BestSeller]:
    """The `top` (track, format) pairs downloadable through the most sales in the `days` before `now`,
    most sold first (ties by track id, then format)."""
    since = (now or timezone.now()) - timedelta(days=days)
    lines = OrderLine.objects.filter(order__created_at__gte=since, order__status=Order.Status.PAID,
                                     format_name__in=list(FORMATS))
    sales: Counter[tuple[int, str]] = Counter()
    for row in lines.filter(track__isnull=False).values("track_id", "format_name").annotate(n=Count("id")):
        sales[row["track_id"], row["format_name"]] += row["n"]
    releases = list(lines.filter(release__isnull=False).values("release_id", "format_name").annotate(n=Count("id")))
    tracks_of: defaultdict[int, list[int]] = defaultdict(list)
    for release_id, track_id in Track.objects.filter(release_id__in={r["release_id"] for r in releases}).values_list(
            "release_id", "pk"):
        tracks_of[release_id].append(track_id)
    for release in releases:
        for track_id in tracks_of[release["release_id"]]:
            sales[track_id, release["format_name"]] += release["n"]
    ranked = sorted(sales.items(), key=lambda pair: (-pair[1], pair[0]))
    return [BestSeller(track_id, format_name, n) for (track_id, format_name), n in ranked[:max(top, 0)]]


@dataclass(frozen=True, slots=True)
class PrewarmReport:
    chosen: list[BestSeller]
    """The best sellers, cached or not."""
    sent: list[BestSeller]
    """Those that were not cached: an encode each was queued for a worker (embedded: done in process)."""
    failed: dict[BestSeller, str]
    """Embedded only: encodes that failed, with the reason (on workers, failures land in their logs)."""

    def as_dict(self) -> dict[str, Any]:
        return {"chosen": [b.as_dict() for b in self.chosen], "already_cached": len(self.chosen) - len(self.sent),
                "sent": [b.as_dict() for b in self.sent],
                "failed": [{**b.as_dict(), "reason": reason} for b, reason in self.failed.items()]}


def prewarm(top: int = DEFAULT_TOP, days: int = DEFAULT_DAYS) -> PrewarmReport:
    """Queue one encode for each best seller not in the cache. Idempotent: run again, it finds them cached
    (or being encoded: the encode's lease makes a second one wait and return the same rendition)."""
    chosen = best_sellers(top, days)
    tracks = Track.objects.select_related("release", "master").in_bulk([b.track_id for b in chosen])
    missing = [b for b in chosen if cached_rendition(tracks[b.track_id], b.format_name) is None]
    failed: dict[BestSeller, str] = {}
    for best in missing:
        try:
            encode_rendition.apply_async((best.track_id, best.format_name), priority=PREWARM_PRIORITY)
        except (AudioError, RenditionError, OSError) as exc:  # raised here only when tasks run in process
            failed[best] = f"{type(exc).__name__}: {exc}"
    return PrewarmReport(chosen, missing, failed)
