"""Background jobs of orders: they take plain values, are idempotent, and call one action each."""

from __future__ import annotations

from typing import Any

from pressplant.celery import app
from pressplant.orders.bestsellers import DEFAULT_DAYS, DEFAULT_TOP, prewarm


@app.task(acks_late=True, reject_on_worker_lost=True)
def prewarm_best_sellers(top: int = DEFAULT_TOP, days: int = DEFAULT_DAYS) -> dict[str, Any]:
    """Queue encodes of the `top` best-selling renditions of the last `days` days that are not cached (the
    nightly beat entry); a second run queues nothing new."""
    return prewarm(top, days).as_dict()
