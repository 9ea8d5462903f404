"""The repository's own rules, checked as part of the suite: ruff, mypy (strict on the pure core), and
the import-linter contracts that keep the engine free of Django and the layers in order."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def _tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.skip(f"{name} is not installed in this environment (pip install -e '.[test]')")
    return str(path)


def test_ruff_finds_nothing():
    result = _run(_tool("ruff"), "check", "pressplant", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean_and_strict_on_the_pure_core():
    result = _run(_tool("mypy"), "pressplant")
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_contracts_hold():
    result = _run(_tool("lint-imports"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")
