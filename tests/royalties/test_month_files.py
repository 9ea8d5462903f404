"""A month's files are written in one streaming pass; what they say must be what the one-payee and one-label
readers say (the storefront's downloads use those), byte for byte, whatever the chunking of the stream."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pressplant.money import CURRENCY_EXPONENTS
from pressplant.royalties import reports, sales
from pressplant.royalties.documents import minor_text, statement_csv, statement_html
from pressplant.royalties.dsr import dsr_for_label
from pressplant.royalties.periods import Period
from pressplant.royalties.reports import write_period_reports
from pressplant.royalties.sales_reports import sales_report_csv
from pressplant.royalties.statements import StatementLine, statement_lines, statements
from tests.royalties.conftest import Share, at, refund, sell
from tests.royalties.test_dsr import STORE

NOVEMBER = Period(2026, 11)
CREATED = at("2026-12-01 06:00")
ODD_NAME = 'Smith, "Junior" <&> Sons'
"""A payee name every file format has to quote or escape."""


@pytest.fixture
def month(catalogue, customer):
    """November: tracks and the album sold in three territories; a payee with no Payee row, paid twice in
    one line (its parts in the order mechanical, artist); two refunds, one of a sale from October."""
    shares = [Share("label", "cache-records", "Cache Records Ltd", 56), Share("artist", "smith-sons", ODD_NAME, 14)]
    october = sell(customer, catalogue.tracks[1], when=at("2026-10-30 09:00"), price_minor=120, vat_minor=20,
                   shares=shares)
    lines = [sell(customer, catalogue.tracks[n % 2], when=at(f"2026-11-{1 + n:02d} 10:00"), price_minor=120 + n,
                  vat_minor=20, territory=("GB", "FR", "US")[n % 3], shares=shares) for n in range(9)]
    sell(customer, catalogue.album, when=at("2026-11-12 11:00"), price_minor=960, vat_minor=160, shares=[
        Share("mechanical", "smith-sons", ODD_NAME, 8), Share("artist", "smith-sons", ODD_NAME, 100),
        Share("label", "cache-records", "Cache Records Ltd", 400)])
    sell(customer, catalogue.single, when=at("2026-11-13 12:00"), price_minor=100, vat_minor=0, territory="US",
         shares=[Share("label", "other-label", "Other Label", 70)])
    refund(lines[2], at("2026-11-20 08:00"))
    refund(october, at("2026-11-21 08:00"))
    return catalogue


@pytest.mark.parametrize("chunk", [2, sales.CHUNK_EVENTS])
def test_the_months_files_are_what_the_single_readers_make(month, tmp_path, monkeypatch, chunk):
    # given events read two at a time (items met in later chunks), or all at once
    monkeypatch.setattr(sales, "CHUNK_EVENTS", chunk)
    # when the month's files are written
    made = write_period_reports(NOVEMBER, tmp_path, created_at=CREATED, sender=STORE)
    # then each file is byte for byte what the one-payee and one-label readers make
    assert made.ok, made.problems
    found = statements(NOVEMBER)
    assert [s.payee_code for s in found] == ["cache-records", "other-label", "smith-sons"]
    for statement in found:
        stem = tmp_path / f"statement-{statement.payee_code}-2026-11"
        assert stem.with_suffix(".csv").read_bytes() == statement_csv(statement).encode()
        assert stem.with_suffix(".html").read_bytes() == statement_html(statement, STORE.name).encode()
        assert [_seen(x) for x in statement.lines] == [_seen(x) for x in statement_lines(statement.payee_code,
                                                                                          NOVEMBER)]
    for label in (month.label, month.other_label):
        dsr = dsr_for_label(label, NOVEMBER, STORE, CREATED)
        assert dsr is not None and (tmp_path / dsr.name).read_bytes() == dsr.text.encode()
    report = tmp_path / "sales-cache-records-2026-11.csv"
    assert report.read_bytes() == sales_report_csv(month.label, NOVEMBER).encode()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in made.files)


def test_a_payee_paid_twice_in_a_line_has_a_line_per_role(month):
    album = [x for x in statement_lines("smith-sons", NOVEMBER) if x.item.kind == "release"]
    assert [(x.role, x.basis, x.amount.amount_minor) for x in album] == [
        ("artist", "artist share", 100), ("mechanical", "mechanical share", 8)]


def test_the_statement_csv_reads_back_with_every_quote_and_comma(month, tmp_path):
    write_period_reports(NOVEMBER, tmp_path, created_at=CREATED, sender=STORE)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "statement-smith-sons-2026-11.csv").read_text())))
    # 9 November sales at 9 prices, 1 album in two roles, 2 refunds (one of an October sale, at its own price)
    assert len(rows) == 9 + 2 + 1
    assert sum(int(r["units sold"]) for r in rows) == 9 + 2 and sum(int(r["units returned"]) for r in rows) == 2
    assert sum(int(r["amount"].replace(".", "")) for r in rows) == 9 * 14 + 108 - 14 - 14
    html = (tmp_path / "statement-smith-sons-2026-11.html").read_text()
    assert "Smith, &quot;Junior&quot; &lt;&amp;&gt; Sons" in html and ODD_NAME not in html


def _seen(line: StatementLine) -> tuple[object, ...]:
    return (line.item, line.format_name, line.territory, line.price_minor, line.role, line.basis, line.sold,
            line.returned, line.amount)


def test_a_failure_halfway_leaves_no_file_behind(month, tmp_path, monkeypatch):
    def broken(self, event):
        raise RuntimeError("disk full")

    monkeypatch.setattr(reports.SalesReportWriter, "add", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        write_period_reports(NOVEMBER, tmp_path, created_at=CREATED, sender=STORE)
    assert list(tmp_path.iterdir()) == []


@given(st.integers(min_value=-10**15, max_value=10**15), st.sampled_from(sorted(CURRENCY_EXPONENTS)))
def test_amounts_print_in_integers_as_the_decimal_would(amount_minor, currency):
    exponent = CURRENCY_EXPONENTS[currency]
    assert minor_text(amount_minor, currency) == f"{Decimal(amount_minor).scaleb(-exponent):.{exponent}f}"


def test_the_files_print_each_events_time_as_its_datetime_would(month):
    for event in sales.stream_events(NOVEMBER):
        assert event.at_text[:19] == event.at.strftime("%Y-%m-%d %H:%M:%S")
