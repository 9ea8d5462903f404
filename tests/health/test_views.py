"""/healthz and /readyz as a load balancer sees them: 200 while the store can serve, 503 with the reason
when a part it needs is missing."""

from __future__ import annotations

import os

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client

from pressplant.celery import app
from tests.together import free_port


def test_healthz_answers_without_touching_the_database() -> None:
    response = Client().get("/healthz")  # no django_db mark: any query would raise here
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_ready_when_database_schema_and_storage_answer() -> None:
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "migrations": "ok",
                                                             "media_storage": "ok", "broker": "ok"}}


@pytest.mark.django_db
def test_readyz_refuses_traffic_while_a_migration_is_not_applied() -> None:
    latest = MigrationLoader(connection).graph.leaf_nodes("rights")[0][1]  # as if a deploy skipped it
    MigrationRecorder(connection).migration_qs.filter(app="rights", name=latest).delete()
    response = Client().get("/readyz")
    assert response.status_code == 503 and response.json()["status"] == "not ready"
    assert response.json()["checks"]["migrations"] == (
        f"1 migrations not applied (rights.{latest}): any `pressplant` command applies them first")
    assert response.json()["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_readyz_names_a_broker_that_does_not_answer(settings, monkeypatch) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(app.conf, "broker_url", f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("the task broker does not answer")


@pytest.mark.django_db
@pytest.mark.skipif(not os.environ.get("PRESSPLANT_TEST_REDIS_URL"),
                    reason="PRESSPLANT_TEST_REDIS_URL is not set: the Redis run is part of CI (.ci/run)")
def test_readyz_reaches_a_real_redis_broker(settings, monkeypatch) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(app.conf, "broker_url", os.environ["PRESSPLANT_TEST_REDIS_URL"])
    response = Client().get("/readyz")
    assert response.status_code == 200 and response.json()["checks"]["broker"] == "ok"
