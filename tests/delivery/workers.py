"""Code run in separate processes by the cache tests, each a fresh interpreter set up as a deployment
would be: its own Django, the SQLite database and media under one PRESSPLANT_HOME.

Django is imported inside the functions: a spawned process starts with nothing set up.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any


def _setup(home: str) -> None:
    """The embedded deployment: SQLite and media under `home`, whatever database the tests use."""
    os.environ.pop("DATABASE_URL", None)
    os.environ["PRESSPLANT_HOME"] = home
    os.environ["DJANGO_SETTINGS_MODULE"] = "pressplant.settings"
    import django

    django.setup()


def prepare_store(home: str, tree: str, results: Any) -> None:
    """Create the database and ingest `tree`; put the first track's id on `results`."""
    _setup(home)
    from django.core.management import call_command

    from pressplant.catalogue.actions import ingest_tree
    from pressplant.catalogue.models import Track

    call_command("migrate", verbosity=0)
    ingest_tree(Path(tree))
    results.put(Track.objects.order_by("position").values_list("pk", flat=True).first())


def ask_for_rendition(home: str, encodes_log: str, track_id: int, format_name: str, start: Any,
                      results: Any) -> None:
    """Wait for the start signal, ask for the rendition, put (id, storage key) or the error on
    `results`. Every encode started is logged to `encodes_log` and made slower, so the callers overlap."""
    _setup(home)
    from pressplant.catalogue.models import Track
    from pressplant.delivery import cache

    real = cache.transcode

    def logged(*args: Any, **kwargs: Any) -> Any:
        with open(encodes_log, "a") as log:
            log.write(f"{os.getpid()}\n")
        threading.Event().wait(0.5)
        return real(*args, **kwargs)

    cache.transcode = logged  # type: ignore[assignment]
    track = Track.objects.get(pk=track_id)
    start.wait()
    try:
        rendition = cache.get_or_create_rendition(track, format_name)
        results.put((rendition.pk, rendition.storage_key))
    except Exception as exc:
        results.put(repr(exc))
