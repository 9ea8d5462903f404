"""Background jobs of delivery: they take ids, are idempotent, and call one action each."""

from __future__ import annotations

from pressplant.catalogue.models import Track
from pressplant.celery import app
from pressplant.delivery.cache import get_or_create_rendition


@app.task(acks_late=True, reject_on_worker_lost=True)
def encode_rendition(track_id: int, format_name: str) -> int:
    """Make sure the rendition of `track_id` in `format_name` is in the cache; return its id.

    Idempotent: a rendition already there is returned as is, one being made elsewhere is waited for.
    """
    track = Track.objects.select_related("release", "master").get(pk=track_id)
    return get_or_create_rendition(track, format_name).pk
