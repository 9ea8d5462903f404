"""verify_ledger(): finds what was changed behind the ledger's back, and says where."""

from __future__ import annotations

import pytest
from django.db import connection

from pressplant.ledger.actions import post_entry, verify_ledger
from pressplant.ledger.journal import EntryDraft, Posting
from pressplant.money import Money
from tests.ledger.conftest import gbp, purchase, voucher

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def some_trade() -> None:
    post_entry(EntryDraft(key="v1", kind="voucher", postings=(voucher(4, 1000),)))
    post_entry(EntryDraft(key="v2", kind="voucher", postings=(voucher(5, 500),)))
    post_entry(EntryDraft(key="p1", kind="purchase", postings=(purchase(4, 100),)))
    post_entry(EntryDraft(key="e1", kind="topup", postings=(
        Posting("external:stripe:EUR", "store:promotions:EUR", Money(250, "EUR")),)))


def test_an_untouched_ledger_is_ok_and_counts_the_money_that_came_in():
    report = verify_ledger()
    assert report.ok, report.problems
    assert report.totals == {"GBP": gbp(1500), "EUR": Money(250, "EUR")}


def test_a_tampered_stored_balance_is_named():
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_account SET balance_minor = 1000 WHERE code = 'customer:4:wallet'")

    report = verify_ledger()

    assert not report.ok
    assert "account customer:4:wallet: stored balance 1000, postings say 900" in report.problems
    assert "currency GBP: balances sum to 100, not 0" in report.problems


def test_a_posting_in_a_foreign_currency_is_named():
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_account SET currency = 'EUR' WHERE code = 'customer:5:wallet'")

    problems = verify_ledger().problems

    assert any("customer:5:wallet holds EUR" in p and "in GBP" in p for p in problems), problems
