"""Background jobs of the rights app: they take plain values, are idempotent, and call one action each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pressplant.celery import app
from pressplant.rights.imports import reimport_message


@app.task(acks_late=True, reject_on_worker_lost=True)
def import_stored_message(message_id: int, folder: str | None = None) -> dict[str, Any]:
    """Import a kept DDEX message (an upload) with its files in `folder`. A message already imported
    changes nothing when run again; one refused after it was read is tried again (its files may be there
    now)."""
    return reimport_message(message_id, folder=Path(folder) if folder else None).as_dict()
