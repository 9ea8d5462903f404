"""Settings read from the environment: a value that cannot work stops the process with a sentence saying why."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _settings_with_prepare(tmp_path: Path, value: str, code: str) -> subprocess.CompletedProcess[str]:
    """`code` run after Django's setup, on a PostgreSQL URL (never reached) with PRESSPLANT_DB_PREPARE=`value`."""
    env = {**os.environ, "DATABASE_URL": "postgres://pressplant@db.invalid:5432/pressplant",
           "PRESSPLANT_HOME": str(tmp_path / "home"), "DJANGO_SETTINGS_MODULE": "pressplant.settings",
           "PRESSPLANT_DB_PREPARE": value}
    return subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("value", ["0", "-1", "often", "5 runs"])
def test_a_prepare_threshold_that_is_not_a_count_or_off_is_refused_by_name(tmp_path, value):
    result = _settings_with_prepare(tmp_path, value, "pass")
    assert result.returncode != 0
    assert f"PRESSPLANT_DB_PREPARE={value!r}: give a number of runs (1 or more) or off" in result.stderr


def test_off_and_a_count_are_taken(tmp_path):
    code = ("from django.conf import settings; options = settings.DATABASES['default']['OPTIONS']; "
            "print(options['server_side_binding'], options['prepare_threshold'])")
    for value, expected in (("off", "None"), ("3", "3"), (" OFF ", "None"), ("", "5")):
        result = _settings_with_prepare(tmp_path, value, code)
        assert result.stdout.split() == ["True", expected], result.stderr
