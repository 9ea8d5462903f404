"""The Celery app. Without REDIS_URL, tasks run in process (eager); with it, on workers.

A worker's encodes are counted for Prometheus. On the web server's machine, give the worker the web's
PROMETHEUS_MULTIPROC_DIR and the web's /metrics includes them; elsewhere, PRESSPLANT_WORKER_METRICS_PORT
makes the worker serve its own /metrics on that port (docs/operations.md).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pressplant.settings")

app = Celery("pressplant")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

WORKER_METRICS_PORT_ENV = "PRESSPLANT_WORKER_METRICS_PORT"
WORKER_METRICS_ADDRESS_ENV = "PRESSPLANT_WORKER_METRICS_ADDRESS"


def serve_worker_metrics(**_: Any) -> None:
    """In the worker's main process, before its pool forks: the HTTP server for the scraper, reading the
    files every pool process counts into (a fresh directory, unless PROMETHEUS_MULTIPROC_DIR names one)."""
    port = os.environ.get(WORKER_METRICS_PORT_ENV, "")
    if not port:
        return
    from prometheus_client import start_http_server

    from pressplant.operations import metrics

    if metrics.multiprocess_dir() is None:
        metrics.use_multiprocess_dir(_temporary_dir())
    start_http_server(int(port), addr=os.environ.get(WORKER_METRICS_ADDRESS_ENV, "0.0.0.0"),  # noqa: S104
                      registry=metrics.counters_registry())


def _temporary_dir() -> Path:
    """A directory removed when the process that made it exits (not when a forked pool process does)."""
    path = Path(tempfile.mkdtemp(prefix="pressplant-worker-metrics-"))
    owner = os.getpid()

    def remove() -> None:
        if os.getpid() == owner:
            shutil.rmtree(path, ignore_errors=True)

    atexit.register(remove)
    return path


signals.worker_init.connect(serve_worker_metrics)
