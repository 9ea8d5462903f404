"""A month's reports end to end: real purchases and refunds through the orders actions, then every
statement, DSR and sales report written, and checked against the ledger (also through the command)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from pressplant.accounts.actions import sign_up
from pressplant.cli import main
from pressplant.ledger.actions import verify_ledger
from pressplant.orders.actions import OrderItem, place_order, refund_order
from pressplant.orders.models import SalePart
from pressplant.pricing.models import PriceRule
from pressplant.royalties.periods import Period
from pressplant.royalties.reports import write_period_reports
from pressplant.royalties.statements import ledger_payables, statements
from tests.royalties.conftest import Share, at, clock, fund, sell
from tests.royalties.test_dsr import FILE_NAME, parse

NOVEMBER, DECEMBER = Period(2026, 11), Period(2026, 12)


@pytest.fixture
def month_of_sales(db, tracks):
    """In November: a UK buyer buys two tracks, a German buyer the album; one track is refunded in
    November, the album in December."""
    release = tracks[0].release
    for currency in ("GBP", "EUR"):
        PriceRule.objects.create(release=release, currency=currency, pricing_model=PriceRule.Model.PER_TRACK,
                                 track_price_minor=99, album_price_minor=250, minimum_minor=0)
    uk = sign_up("uk@example.com", "correct horse battery staple", "GB")
    de = sign_up("de@example.com", "correct horse battery staple", "DE")
    fund(uk, 10_000)
    fund(de, 10_000, "EUR")
    with clock(at("2026-11-03 10:00")):
        first = place_order(uk, [OrderItem("flac", track_id=tracks[0].pk)], "uk-1")
    with clock(at("2026-11-04 10:00")):
        place_order(uk, [OrderItem("mp3-320", track_id=tracks[1].pk)], "uk-2")
    with clock(at("2026-11-05 10:00")):
        album = place_order(de, [OrderItem("flac", release_id=release.pk)], "de-1")
    with clock(at("2026-11-20 10:00")):
        refund_order(first, "refund-uk-1")
    with clock(at("2026-12-02 10:00")):
        refund_order(album, "refund-de-1")
    return release


def test_a_months_reports_agree_with_the_ledger_and_refunds_land_in_their_month(month_of_sales, tmp_path):
    release = month_of_sales
    label_payee = f"label-{release.label_id}"
    # when November's and December's reports are written
    november = write_period_reports(NOVEMBER, tmp_path / "nov", created_at=at("2026-12-01 06:00"))
    december = write_period_reports(DECEMBER, tmp_path / "dec", created_at=at("2027-01-01 06:00"))
    # then every statement total equals the ledger's payable postings, to the minor unit
    assert november.ok and december.ok, november.problems + december.problems
    for period in (NOVEMBER, DECEMBER):
        found = {(s.payee_code, c): t for s in statements(period) for c, t in s.totals().items()}
        assert found == ledger_payables(period) and found
    # and November shows the refunded UK track sold and returned on its one line, while December holds only
    # the album's return
    nov = {(r.payee_code, r.currency): r for r in november.summary}
    dec = {(r.payee_code, r.currency): r for r in december.summary}
    assert nov[(label_payee, "GBP")].lines == 2 and nov[(label_payee, "EUR")].lines == 1
    [returned] = [x for s in statements(NOVEMBER) if s.payee_code == label_payee for x in s.lines if x.returned]
    assert (returned.sold, returned.returned, returned.amount.amount_minor, returned.format_name) == (1, 1, 0, "flac")
    assert dec[(label_payee, "EUR")].lines == 1 and dec[(label_payee, "EUR")].total.amount_minor < 0
    assert dec[(label_payee, "EUR")].total == -nov[(label_payee, "EUR")].total
    assert {("prs-for-music", "GBP"), ("gema", "EUR")} <= set(nov)
    assert verify_ledger().ok
    # and every file is there: statements per payee, the label's DSR and sales report
    names = sorted(p.name for p in (tmp_path / "nov").iterdir())
    assert f"statement-{label_payee}-2026-11.html" in names and "statement-gema-2026-11.csv" in names
    assert "sales-cache-records-2026-11.csv" in names and not [n for n in names if n.endswith(".part")]
    [dsr_name] = [n for n in names if n.startswith("DSR_")]
    assert FILE_NAME.fullmatch(dsr_name) and "_multi_1of1_20261201T060000.tsv" in dsr_name
    records, _ = parse((tmp_path / "nov" / dsr_name).read_text(encoding="utf-8"))
    sales = [r for r in records if r[0] == "SU01"]
    assert [(r[8], r[9]) for r in sales] == [("1", "0"), ("1", "0"), ("1", "0"), ("0", "1")]  # Usages, Returns
    report = list(csv.DictReader(io.StringIO((tmp_path / "dec" / "sales-cache-records-2026-12.csv").read_text())))
    assert [(r["item type"], r["quantity"], r["currency"], r["country code"]) for r in report] == [
        ("refund", "-1", "EUR", "DE")]


def _undated_names(folder: Path) -> list[str]:
    """The file names in `folder`, a DSR's without the second it was made."""
    return sorted(re.sub(r"_\d{8}T\d{6}(?=\.tsv$)", "", path.name) for path in folder.iterdir())


def test_the_statement_command_writes_every_file_and_prints_the_totals(month_of_sales, tmp_path, capsys,
                                                                       monkeypatch):
    monkeypatch.setattr("pressplant.cli.setup_django", lambda: None)  # the test database is ready
    out = tmp_path / "reports"
    assert main(["royalties", "statement", "--period", "2026-11", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "every total equals the ledger's payable postings" in printed and "prs-for-music" in printed
    again = tmp_path / "again"  # a folder of its own: a DSR's name carries the second it was made
    assert main(["royalties", "statement", "--period", "2026-11", "--out", str(again), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and sorted(report["files"]) == sorted(str(p) for p in again.iterdir())
    assert _undated_names(again) == _undated_names(out)  # the same files as the first run wrote
    assert {row["payee"] for row in report["payees"]} >= {f"label-{month_of_sales.label_id}", "gema"}
    assert main(["royalties", "statement", "--period", "Nov 2026", "--out", str(out)]) == 1
    assert "write the month as YYYY-MM" in capsys.readouterr().err


def test_the_statement_command_fails_when_a_statement_disagrees_with_the_ledger(catalogue, customer, tmp_path,
                                                                                capsys, monkeypatch):
    monkeypatch.setattr("pressplant.cli.setup_django", lambda: None)
    line = sell(customer, catalogue.tracks[0], when=at("2026-11-03 10:00"), price_minor=120, vat_minor=20,
                shares=[Share("label", "cache-records", "Cache Records Ltd", 56)])
    SalePart.objects.filter(line=line, payee_code="cache-records").update(amount_minor=57)
    assert main(["royalties", "statement", "--period", "2026-11", "--out", str(tmp_path)]) == 1
    printed = capsys.readouterr().out
    assert "mismatch: payee cache-records: the statement says 0.57 GBP, the ledger's payable postings say " \
           "0.56 GBP for 2026-11" in printed
    assert "1 totals differ from the ledger" in printed
