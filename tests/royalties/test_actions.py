"""Payouts: the threshold decides who is paid, nobody is paid twice, balances fall by what was paid."""

from __future__ import annotations

import csv
import io

import pytest

from pressplant.cli import main
from pressplant.ledger.actions import balance, verify_ledger
from pressplant.ledger.models import Entry
from pressplant.money import Money
from pressplant.royalties.actions import dues, pay_out, run_csv, thresholds_from
from pressplant.royalties.errors import InvalidThreshold, PayoutKeyReused
from pressplant.royalties.models import Payout
from tests.royalties.conftest import Share, at, clock, refund, sell


def gbp(minor: int) -> Money:
    return Money(minor, "GBP")


def earn(catalogue, customer, label_minor: int, artist_minor: int, when: str = "2026-11-05 10:00"):
    return sell(customer, catalogue.tracks[0], when=at(when), price_minor=label_minor + artist_minor + 100,
                vat_minor=0, shares=[Share("label", "cache-records", "Cache Records Ltd", label_minor),
                                     Share("artist", "the-encoders", "The Encoders", artist_minor)])


def test_only_payees_at_the_threshold_are_paid_and_their_balances_fall_to_zero(catalogue, customer):
    # given the label is owed 15.00 and the artist 9.99
    earn(catalogue, customer, 1500, 999)
    # when payees owed 10.00 or more are paid
    run = pay_out({"GBP": gbp(1000)}, "2026-11")
    # then only the label is paid, by one payout entry, and owes nothing after
    [payout] = run.payouts.all()
    assert (payout.payee_code, payout.payee_name, payout.email, payout.amount) == (
        "cache-records", "Cache Records Ltd", "money@cache.example", gbp(1500))
    entry = Entry.objects.get(pk=payout.ledger_entry_id)
    assert (entry.kind, entry.key) == ("payout", "payout:2026-11:cache-records:GBP")
    assert balance("payable:cache-records:GBP") == gbp(0)
    assert balance("payable:the-encoders:GBP") == gbp(999)
    assert balance("external:payouts:GBP") == gbp(1500)  # money that left the store
    assert verify_ledger().ok
    assert list(csv.reader(io.StringIO(run_csv(run)))) == [
        ["payee", "name", "email", "currency", "amount"],
        ["cache-records", "Cache Records Ltd", "money@cache.example", "GBP", "15.00"]]


def test_the_same_key_replays_and_a_new_run_pays_only_what_accrued_since(catalogue, customer):
    earn(catalogue, customer, 1500, 2000)
    first = pay_out({"GBP": gbp(1000)}, "run-1")
    # a repeat of the run is the same run: nothing moves
    assert pay_out({"GBP": gbp(1000)}, "run-1").pk == first.pk
    assert Payout.objects.count() == 2 and Entry.objects.filter(kind="payout").count() == 2
    with pytest.raises(PayoutKeyReused, match="use a new key"):
        pay_out({"GBP": gbp(500)}, "run-1")
    # a second run with nothing new pays nobody
    assert list(pay_out({"GBP": gbp(1000)}, "run-2").payouts.all()) == []
    # after more sales, a third run pays only the new money to those above the threshold
    earn(catalogue, customer, 1200, 300, when="2026-11-20 10:00")
    third = pay_out({"GBP": gbp(1000)}, "run-3")
    assert [(p.payee_code, p.amount) for p in third.payouts.all()] == [("cache-records", gbp(1200))]
    assert balance("payable:cache-records:GBP") == gbp(0) and balance("payable:the-encoders:GBP") == gbp(300)
    assert balance("external:payouts:GBP") == gbp(1500 + 2000 + 1200)


def test_a_cut_off_pays_what_accrued_before_it_less_what_was_paid_and_refunded(catalogue, customer):
    # given November earnings, a December sale, and a December refund of a November sale
    earn(catalogue, customer, 1500, 0)
    refunded = earn(catalogue, customer, 400, 0, when="2026-11-25 10:00")
    earn(catalogue, customer, 700, 0, when="2026-12-03 10:00")
    # when November is paid before the refund: 19.00 accrued before December
    with clock(at("2026-12-02 09:00")):
        november = pay_out({"GBP": gbp(1000)}, "november", accrued_before=at("2026-12-01 00:00"))
    assert [p.amount for p in november.payouts.all()] == [gbp(1900)]
    # then the refund claws back 4.00, and paying up to the end of December pays the 7.00 less it
    refund(refunded, at("2026-12-05 10:00"))
    assert balance("payable:cache-records:GBP") == gbp(300)
    assert [d.amount for d in dues(at("2027-01-01 00:00")) if d.payee_code == "cache-records"] == [gbp(300)]
    december = pay_out({"GBP": gbp(100)}, "december", accrued_before=at("2027-01-01 00:00"))
    assert [p.amount for p in december.payouts.all()] == [gbp(300)]
    assert balance("payable:cache-records:GBP") == gbp(0) and verify_ledger().ok


def test_thresholds_are_read_per_currency_and_bad_ones_refused(db):
    assert thresholds_from(["10.00", "EUR=12.50"], ["gbp", "USD"]) == {
        "GBP": gbp(1000), "USD": Money(1000, "USD"), "EUR": Money(1250, "EUR")}
    for values, currencies, message in ((["10.00"], [], "name its currency"), (["XYZ=1"], [], "XYZ"),
                                        (["ten"], ["GBP"], "not an amount")):
        with pytest.raises(InvalidThreshold, match=message):
            thresholds_from(values, currencies)
    with pytest.raises(InvalidThreshold, match="cannot be negative"):
        pay_out({"GBP": gbp(-1)}, "k")


def test_the_payout_command_pays_writes_the_list_and_replays(catalogue, customer, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("pressplant.cli.setup_django", lambda: None)  # the test database is ready
    earn(catalogue, customer, 1500, 999)
    out = tmp_path / "payouts.csv"
    assert main(["royalties", "payout", "--threshold", "10.00", "--currency", "GBP", "--key", "k1",
                 "--out", str(out)]) == 0
    assert "payout run k1: 1 payouts, 15.00 GBP" in capsys.readouterr().out
    assert out.read_text().splitlines()[1] == "cache-records,Cache Records Ltd,money@cache.example,GBP,15.00"
    assert main(["royalties", "payout", "--threshold", "GBP=5.00", "--key", "k1", "--out", str(out)]) == 1
    assert "use a new key" in capsys.readouterr().err
    assert main(["royalties", "payout", "--threshold", "GBP=5.00", "--key", "k2", "--out", str(out)]) == 0
    assert "the-encoders" in out.read_text() and not list(tmp_path.glob("*.part"))
