"""Statements: what each payee earned in a month, per item, format, territory, price and role, in units
sold and returned; totals that equal the ledger."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection

from pressplant.accounts.actions import sign_up
from pressplant.money import Money
from pressplant.orders.models import SalePart
from pressplant.royalties.documents import STATEMENT_COLUMNS, statement_csv, statement_html
from pressplant.royalties.errors import InvalidPeriod
from pressplant.royalties.periods import Period
from pressplant.royalties.statements import (
    ledger_alongside,
    ledger_payables,
    reconcile,
    statement_lines,
    statements,
)
from tests.royalties.conftest import Share, at, fund, refund, sell
from tests.together import run_together

NOVEMBER, DECEMBER = Period(2026, 11), Period(2026, 12)


def label_and_artist(cat, label_minor: int, artist_minor: int) -> list[Share]:
    return [Share("label", cat.label_payee.code, cat.label_payee.name, label_minor),
            Share("artist", cat.artist_payee.code, cat.artist_payee.name, artist_minor)]


def test_a_period_is_a_utc_month():
    period = Period.parse("2026-12")
    assert (period.first_day.isoformat(), period.last_day.isoformat(), str(period.next())) == (
        "2026-12-01", "2026-12-31", "2027-01")
    assert period.includes(at("2026-12-31 23:59:59")) and not period.includes(at("2027-01-01 00:00"))
    with pytest.raises(InvalidPeriod, match="write the month as YYYY-MM"):
        Period.parse("November")


def test_a_statement_line_sums_the_sales_of_one_item_format_territory_and_price(catalogue, customer):
    # given a track sold three times for 1.20 incl. 0.20 VAT (the label gets 0.56 of each, the artist 0.14),
    # once for 1.30, and once in another format
    track = catalogue.tracks[0]
    for n in range(3):
        sell(customer, track, when=at(f"2026-11-0{3 + n} 10:00"), price_minor=120, vat_minor=20,
             shares=label_and_artist(catalogue, 56, 14))
    sell(customer, track, when=at("2026-11-09 10:00"), price_minor=130, vat_minor=21,
         shares=label_and_artist(catalogue, 61, 15))
    sell(customer, track, when=at("2026-11-10 10:00"), price_minor=120, vat_minor=20, format_name="mp3-320",
         shares=label_and_artist(catalogue, 56, 14))
    # when the label payee's statement for November is read
    found = statement_lines(catalogue.label_payee, NOVEMBER)
    # then the three equal sales are one line of 3 units, the others a line each
    seen = [(x.format_name, x.price_minor, x.ex_vat_minor, x.share_minor, x.sold, x.returned, x.amount)
            for x in found]
    assert seen == [("flac", 130, 109, 61, 1, 0, Money(61, "GBP")), ("flac", 120, 100, 56, 3, 0, Money(168, "GBP")),
                    ("mp3-320", 120, 100, 56, 1, 0, Money(56, "GBP"))]
    line = found[1]
    assert (line.territory, line.currency, line.role, line.basis) == ("GB", "GBP", "label", "label share")
    assert (line.item.title, line.item.artist, line.item.isrc, line.item.upc) == (
        "One", "The Encoders", "GBXYZ2600001", "5710261026118")
    assert (line.gross, line.ex_vat) == (Money(360, "GBP"), Money(300, "GBP"))
    assert [x.amount for x in statement_lines("the-encoders", NOVEMBER)] == [
        Money(15, "GBP"), Money(42, "GBP"), Money(14, "GBP")]
    assert statement_lines(catalogue.other_payee, NOVEMBER) == []


def test_sales_at_one_price_split_two_ways_are_two_lines(catalogue, customer):
    # given a track sold for 1.20 three times, then, after the label moved 0.06 of each sale to the artist,
    # twice more at the same price, once of them refunded
    track = catalogue.tracks[0]
    for n in range(3):
        sell(customer, track, when=at(f"2026-11-0{1 + n} 10:00"), price_minor=120, vat_minor=20,
             shares=label_and_artist(catalogue, 56, 14))
    later = [sell(customer, track, when=at(f"2026-11-2{n} 10:00"), price_minor=120, vat_minor=20,
                  shares=label_and_artist(catalogue, 50, 20)) for n in range(2)]
    refund(later[0], at("2026-11-28 10:00"))
    # when the label's and the artist's November statements are read
    label = statement_lines(catalogue.label_payee, NOVEMBER)
    artist = statement_lines("the-encoders", NOVEMBER)
    # then each split is a line of its own, with its own share and units
    assert [(x.price_minor, x.share_minor, x.sold, x.returned, x.amount) for x in label] == [
        (120, 50, 2, 1, Money(50, "GBP")), (120, 56, 3, 0, Money(168, "GBP"))]
    assert [(x.price_minor, x.share_minor, x.sold, x.returned, x.amount) for x in artist] == [
        (120, 14, 3, 0, Money(42, "GBP")), (120, 20, 2, 1, Money(20, "GBP"))]
    assert reconcile(NOVEMBER, statements(NOVEMBER)) == []


def test_a_refund_is_a_unit_returned_in_the_month_it_was_made(catalogue, customer):
    # given an album sold twice in November, one of them refunded in December
    sold = [sell(customer, catalogue.album, when=at(f"2026-11-{29 + n} 23:59"), price_minor=960, vat_minor=160,
                 shares=label_and_artist(catalogue, 448, 112)) for n in range(2)]
    refund(sold[1], at("2026-12-01 00:01"))
    # then November keeps the two sales, December shows one unit returned and a negative amount
    [sale] = statement_lines(catalogue.label_payee, NOVEMBER)
    [returned] = statement_lines(catalogue.label_payee, DECEMBER)
    assert (sale.sold, sale.returned, sale.units, sale.amount) == (2, 0, 2, Money(896, "GBP"))
    assert (returned.sold, returned.returned, returned.units, returned.amount, returned.gross, returned.ex_vat) == (
        0, 1, -1, Money(-448, "GBP"), Money(-960, "GBP"), Money(-800, "GBP"))
    assert returned.item.kind == "release" and returned.item.title == "Cache Songs"
    assert ledger_payables(DECEMBER)[("cache-records", "GBP")] == Money(-448, "GBP")


def test_statement_totals_equal_the_ledgers_payable_postings(catalogue, customer, db):
    # given sales in two currencies, to several payees, with refunds in and after the month
    euro_buyer = sign_up("euro@example.com", "correct horse battery staple", "DE")
    fund(euro_buyer, 50_000, "EUR")
    lines = [sell(customer, catalogue.tracks[i % 2], when=at(f"2026-11-{1 + i:02d} 12:00"), price_minor=100 + i,
                  vat_minor=17, shares=label_and_artist(catalogue, 50 + i, 13)) for i in range(12)]
    lines.append(sell(euro_buyer, catalogue.single, territory="DE", currency="EUR", when=at("2026-11-20 08:00"),
                      price_minor=119, vat_minor=19, shares=[Share("label", "other-label", "Other Label", 70),
                                                             Share("mechanical", "gema", "GEMA", 8)]))
    refund(lines[0], at("2026-11-25 09:00"))
    refund(lines[1], at("2026-12-02 09:00"))
    refund(lines[-1], at("2026-11-28 09:00"))
    sell(customer, catalogue.tracks[0], when=at("2026-10-31 23:59:59"), price_minor=100, vat_minor=17,
         shares=label_and_artist(catalogue, 50, 13))
    # when every statement of November is read
    found = {s.payee_code: s for s in statements(NOVEMBER)}
    # then each total equals the ledger's figure, to the minor unit
    ledger = ledger_payables(NOVEMBER)
    assert {(code, cur): total for code, s in found.items() for cur, total in s.totals().items()} == ledger
    assert reconcile(NOVEMBER, list(found.values())) == []
    assert ledger[("cache-records", "GBP")] == Money(sum(50 + i for i in range(12)) - 50, "GBP")
    assert ledger[("gema", "EUR")] == Money(0, "EUR")  # sold and refunded in the month
    assert found["gema"].line_counts() == {"EUR": 1} and found["gema"].payee_name == "GEMA"
    assert [(x.sold, x.returned, x.amount) for x in found["gema"].lines] == [(1, 1, Money(0, "EUR"))]
    assert found["cache-records"].email == "money@cache.example"


def test_reconcile_names_a_statement_that_disagrees_with_the_ledger(catalogue, customer):
    # given a sale whose recorded part says more than the ledger posted
    line = sell(customer, catalogue.tracks[0], when=at("2026-11-03 10:00"), price_minor=120, vat_minor=20,
                shares=label_and_artist(catalogue, 56, 14))
    SalePart.objects.filter(line=line, payee_code="the-encoders").update(amount_minor=15)
    # then the check says which payee and both figures
    assert reconcile(NOVEMBER, statements(NOVEMBER)) == [
        "payee the-encoders: the statement says 0.15 GBP, the ledger's payable postings say 0.14 GBP for 2026-11"]


def test_statement_files_show_lines_and_totals(catalogue, customer):
    line = sell(customer, catalogue.tracks[1], when=at("2026-11-03 10:00"), price_minor=120, vat_minor=20,
                shares=label_and_artist(catalogue, 56, 14))
    refund(line, at("2026-11-04 10:00"))
    refund(sell(customer, catalogue.tracks[0], when=at("2026-10-05 10:00"), price_minor=130, vat_minor=21,
                shares=label_and_artist(catalogue, 61, 15)), at("2026-11-05 09:00"))
    for n in range(2):
        sell(customer, catalogue.tracks[0], when=at(f"2026-11-0{5 + n} 10:00"), price_minor=130, vat_minor=21,
             shares=label_and_artist(catalogue, 61, 15))
    [statement] = [s for s in statements(NOVEMBER) if s.payee_code == "cache-records"]
    rows = list(csv.reader(io.StringIO(statement_csv(statement))))
    assert tuple(rows[0]) == STATEMENT_COLUMNS
    by_column = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    seen = [(r["item"], r["units sold"], r["units returned"], r["net units"], r["price paid (incl. VAT)"],
             r["price ex-VAT"], r["share per unit"], r["revenue ex-VAT"], r["amount"]) for r in by_column]
    assert seen == [("One", "2", "1", "1", "1.30", "1.09", "0.61", "1.09", "0.61"),
                    ("Two\tTab | Pipe", "1", "1", "0", "1.20", "1.00", "0.56", "0.00", "0.00")]
    assert by_column[0]["ISRC"] == "GBXYZ2600001" and by_column[0]["paid as"] == "label"
    html = statement_html(statement)
    assert "Cache Records Ltd" in html and "2026-11-01 to 2026-11-30" in html
    assert "<strong>0.61 GBP</strong>" in html and "2 lines" in html and "Two\tTab | Pipe" in html


def test_a_line_with_more_returns_than_sales_is_marked_as_a_refund(catalogue, customer):
    line = sell(customer, catalogue.tracks[0], when=at("2026-10-30 10:00"), price_minor=120, vat_minor=20,
                shares=label_and_artist(catalogue, 56, 14))
    refund(line, at("2026-11-02 10:00"))
    [statement] = [s for s in statements(NOVEMBER) if s.payee_code == "cache-records"]
    assert statement.totals() == {"GBP": Money(-56, "GBP")}
    assert '<tr class="refund">' in statement_html(statement) and "<strong>-0.56 GBP</strong>" in statement_html(
        statement)


def test_statements_read_the_period_in_a_fixed_number_of_queries(catalogue, customer,
                                                                  django_assert_max_num_queries):
    for i in range(60):
        line = sell(customer, catalogue.tracks[i % 2], when=at("2026-11-10 10:00"), price_minor=120, vat_minor=20,
                    shares=label_and_artist(catalogue, 56, 14))
        if i % 3 == 0:
            refund(line, at("2026-11-11 10:00"))
    # the month's GROUP BY (in a savepoint; on PostgreSQL with its settings read, set and restored), the parts
    # of one line per group, tracks, releases, payees
    with django_assert_max_num_queries(10):
        found = statements(NOVEMBER)
    assert sum(line.sold for s in found for line in s.lines) == 2 * 60
    assert sum(line.returned for s in found for line in s.lines) == 2 * 20
    assert sum(len(s.lines) for s in found) == 2 * 2  # two tracks, two payees


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_ledger_is_summed_alongside_in_the_same_snapshot(catalogue, customer, flushable_ledger):
    if connection.vendor != "postgresql":
        pytest.skip("the ledger is summed on a second connection on PostgreSQL only (this is its SQLite run)")
    # given a sale in November
    sell(customer, catalogue.tracks[0], when=at("2026-11-03 10:00"), price_minor=120, vat_minor=20,
         shares=label_and_artist(catalogue, 56, 14))
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('work_mem'), current_setting('jit')")
        settings_before = cursor.fetchone()
    with ledger_alongside(NOVEMBER) as ledger:
        # when another sale is made by someone else once the statements' snapshot is taken
        [made] = run_together(1, lambda _: sell(customer, catalogue.tracks[1], when=at("2026-11-04 10:00"),
                                                price_minor=120, vat_minor=20,
                                                shares=label_and_artist(catalogue, 56, 14)))
        assert not isinstance(made, BaseException), made
        found = statements(NOVEMBER)
        figures = ledger()
        with connection.cursor() as cursor:  # the month's query settings did not outlive it
            cursor.execute("SELECT current_setting('work_mem'), current_setting('jit')")
            assert cursor.fetchone() == settings_before
    # then the statements and the ledger's figures both read the month as it was, without that sale
    totals = {(s.payee_code, cur): total for s in found for cur, total in s.totals().items()}
    assert totals == figures == {("cache-records", "GBP"): Money(56, "GBP"), ("the-encoders", "GBP"): Money(14, "GBP")}
    # and the month read afresh has both
    assert ledger_payables(NOVEMBER)[("cache-records", "GBP")] == Money(112, "GBP")
