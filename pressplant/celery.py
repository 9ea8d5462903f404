"""The Celery app. Without REDIS_URL, tasks run in process (eager); with it, on workers."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pressplant.settings")

app = Celery("pressplant")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
