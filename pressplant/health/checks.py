"""What "ready to serve" means: each check is one named probe of a part the store cannot work without.

A check returns None when the part answers, else one sentence saying what is wrong; it never raises.
Checks are data (CHECKS), so the list the operator sees is the list that runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

Check = Callable[[], str | None]

BROKER_TIMEOUT_S = 2.0


def database() -> str | None:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any driver error means not ready
        return f"the database does not answer: {exc}"
    return None


def migrations() -> str | None:
    """A process must not serve a schema older than its code (a deploy that skipped `migrate`)."""
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        return f"the migrations cannot be read: {exc}"
    if pending:
        names = ", ".join(f"{migration.app_label}.{migration.name}" for migration, _ in pending[:5])
        return f"{len(pending)} migrations not applied ({names}): any `pressplant` command applies them first"
    return None


def media_storage() -> str | None:
    try:
        default_storage.exists("readyz-probe")  # a lookup: a HEAD request on S3, a stat on disk
    except Exception as exc:
        return f"the media storage does not answer: {exc}"
    return None


def broker() -> str | None:
    """Only with a real broker (REDIS_URL): in the embedded mode background work runs in process."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return None
    from pressplant.celery import app

    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_S)
    except Exception as exc:
        return f"the task broker does not answer: {exc}"
    return None


@dataclass(frozen=True)
class Outcome:
    name: str
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


CHECKS: dict[str, Check] = {"database": database, "migrations": migrations, "media_storage": media_storage,
                            "broker": broker}


def run_checks(checks: dict[str, Check] | None = None) -> list[Outcome]:
    return [Outcome(name, check()) for name, check in (checks or CHECKS).items()]
