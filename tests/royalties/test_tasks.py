"""Statements as a background job: a closed month's files, the same ones on every run."""

from __future__ import annotations

import pytest

from pressplant.accounts.actions import sign_up
from pressplant.orders.actions import OrderItem, place_order
from pressplant.royalties.errors import RoyaltiesError
from pressplant.royalties.tasks import write_statements
from tests.royalties.conftest import at, clock, fund


@pytest.fixture
def october_sales(db, tracks):
    buyer = sign_up("oct@example.com", "correct horse battery staple", "GB")
    fund(buyer, 10_000)
    with clock(at("2026-10-07 12:00")):
        place_order(buyer, [OrderItem("flac", track_id=tracks[0].pk)], "oct-1")
    with clock(at("2026-10-30 12:00")):
        place_order(buyer, [OrderItem("mp3-320", release_id=tracks[0].release_id)], "oct-2")
    return tracks[0].release


def _written(folder) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.iterdir()}


@pytest.mark.django_db
def test_a_closed_months_statements_are_written_and_a_rerun_writes_the_same_files(october_sales, tmp_path):
    with clock(at("2026-11-02 03:00")):
        first = write_statements.delay("2026-10", str(tmp_path / "a")).get()
    with clock(at("2026-11-20 09:30")):
        again = write_statements.delay("2026-10", str(tmp_path / "a")).get()
        elsewhere = write_statements.delay("2026-10", str(tmp_path / "b")).get()

    assert first["ok"] and first["problems"] == [] and again == first and elsewhere["payees"] == first["payees"]
    label_payee = f"label-{october_sales.label_id}"
    assert {row["payee"] for row in first["payees"]} >= {label_payee, "prs-for-music"}
    files = _written(tmp_path / "a")
    assert sorted(files) == sorted(p.rsplit("/", 1)[-1] for p in first["files"])
    assert f"statement-{label_payee}-2026-10.csv" in files
    [dsr] = [name for name in files if name.startswith("DSR_")]
    assert dsr.endswith("_20261101T000000.tsv")  # dated when the month closed, not when it was written
    assert _written(tmp_path / "b") == files


@pytest.mark.django_db
def test_last_month_is_the_default_and_an_open_month_is_refused(october_sales, settings, tmp_path):
    settings.HOME = tmp_path
    with clock(at("2026-11-15 04:00")):
        report = write_statements.delay().get()
        with pytest.raises(RoyaltiesError, match="2026-11 is not over yet"):
            write_statements.delay("2026-11", str(tmp_path / "open")).get()

    assert report["period"] == "2026-10" and report["ok"]
    assert all(name.startswith(str(tmp_path / "statements" / "2026-10")) for name in report["files"])
    assert not (tmp_path / "open").exists()
