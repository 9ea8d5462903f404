"""The database tests again, on PostgreSQL: the scale-out database must behave as SQLite does.

Runs when PRESSPLANT_TEST_POSTGRES_URL names a server (`.ci/run` sets it); the tests that touch the
database run in a child pytest with DATABASE_URL pointing there.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

URL = os.environ.get("PRESSPLANT_TEST_POSTGRES_URL", "")
ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    not URL, reason="PRESSPLANT_TEST_POSTGRES_URL is not set: the PostgreSQL run is part of CI (.ci/run)"
)


def test_the_database_tests_pass_on_postgresql(tmp_path):
    env = {**os.environ, "DATABASE_URL": URL, "PRESSPLANT_HOME": str(tmp_path / "home")}
    env.pop("PRESSPLANT_TEST_POSTGRES_URL")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "django_db",
         "--ignore", str(Path(__file__)), "--create-db", "tests"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200,
    )
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-2000:]
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed" in summary and "failed" not in summary, summary


def test_settings_really_point_at_postgresql(tmp_path):
    code = "from django.db import connection; connection.ensure_connection(); print(connection.vendor)"
    env = {**os.environ, "DATABASE_URL": URL, "PRESSPLANT_HOME": str(tmp_path / "home"),
           "DJANGO_SETTINGS_MODULE": "pressplant.settings"}
    result = subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "postgresql", result.stderr


def _prepared_after(runs: int, tmp_path: Path, prepare: str | None) -> int:
    """How many prepared statements one connection holds after running one SELECT `runs` times."""
    code = ("from django.db import connection\n"
            "with connection.cursor() as cursor:\n"
            f"    for _ in range({runs}):\n"
            "        cursor.execute('SELECT count(*) FROM pg_class WHERE relname = %s', ['pg_type'])\n"
            "    cursor.execute('SELECT count(*) FROM pg_prepared_statements')\n"
            "    print(cursor.fetchone()[0])\n")
    env = {**os.environ, "DATABASE_URL": URL, "PRESSPLANT_HOME": str(tmp_path / "home"),
           "DJANGO_SETTINGS_MODULE": "pressplant.settings"}
    env.pop("PRESSPLANT_DB_PREPARE", None)
    if prepare is not None:
        env["PRESSPLANT_DB_PREPARE"] = prepare
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()\n" + code],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip())


def test_a_statement_a_connection_runs_again_is_prepared_unless_turned_off(tmp_path):
    assert _prepared_after(3, tmp_path, None) == 0  # the default: prepared after its 5th run
    assert _prepared_after(8, tmp_path, None) == 1
    assert _prepared_after(3, tmp_path, "2") == 1
    assert _prepared_after(8, tmp_path, "off") == 0  # behind a PgBouncer that cannot keep them
