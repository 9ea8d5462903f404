"""Test-wide setup: every test run keeps its state in a throwaway PRESSPLANT_HOME."""

from __future__ import annotations

import os
import tempfile

# Before Django's settings are imported: they read PRESSPLANT_HOME once.
os.environ.setdefault("PRESSPLANT_HOME", tempfile.mkdtemp(prefix="pressplant-test-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pressplant.settings")

import django

django.setup()


import importlib  # noqa: E402
from collections.abc import Iterator  # noqa: E402

import pytest  # noqa: E402
from django.apps import apps as django_apps  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.db import connection  # noqa: E402

_PRICE_DEFAULTS = importlib.import_module("pressplant.pricing.migrations.0002_store_defaults")
_APPEND_ONLY = importlib.import_module("pressplant.ledger.migrations.0002_append_only")


@pytest.fixture(autouse=True)
def database_as_migrations_left_it(request: pytest.FixtureRequest) -> None:
    """Every database test starts with what the migrations put there: the store's default prices and,
    on SQLite, the ledger's append-only triggers. A `transaction=True` test ends with a flush that empties
    every table (and, on SQLite, `flushable_ledger` lifts the triggers so the flush may delete)."""
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("_django_db_helper")
    _PRICE_DEFAULTS.seed(django_apps, None)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for sql in _APPEND_ONLY.SQLITE_INSTALL:
                cursor.execute(sql)


@pytest.fixture(autouse=True)
def no_pages_kept_by_earlier_tests() -> None:
    """Release pages kept for visitors are one test's own: ids come round again once a test's rows are gone."""
    caches["pages"].clear()


@pytest.fixture
def flushable_ledger(transactional_db: None) -> Iterator[None]:
    """For `transaction=True` tests that write ledger rows: lift the SQLite triggers before the flush."""
    yield
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for sql in _APPEND_ONLY.SQLITE_REMOVE:
                cursor.execute(sql)
