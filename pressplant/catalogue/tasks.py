"""Background jobs of the catalogue: they take plain values, are idempotent, and call one action each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pressplant.catalogue.actions import ingest_tree
from pressplant.celery import app


@app.task(acks_late=True, reject_on_worker_lost=True)
def ingest_folder(path: str) -> dict[str, Any]:
    """Ingest a folder of masters; a second run over the same folder changes nothing."""
    return ingest_tree(Path(path)).as_dict()
