"""post_entry and friends: balances move, requests replay, refusals write nothing."""

from __future__ import annotations

import pytest

from pressplant.ledger.actions import balance, entries_for, post_entry, reverse_entry, verify_ledger
from pressplant.ledger.errors import (
    AlreadyReversed,
    CurrencyMismatch,
    IdempotencyConflict,
    InsufficientFunds,
    UnknownAccount,
    UnknownEntry,
)
from pressplant.ledger.journal import EntryDraft, Posting, wallet_account
from pressplant.ledger.models import Account, Entry
from pressplant.ledger.models import Posting as PostingRow
from pressplant.money import Money
from tests.ledger.conftest import gbp, purchase, voucher

pytestmark = pytest.mark.django_db


def _rows() -> tuple[int, int, int]:
    return Entry.objects.count(), PostingRow.objects.count(), Account.objects.count()


def test_a_voucher_and_a_purchase_move_balances():
    post_entry(EntryDraft(key="v1", kind="voucher", postings=(voucher(4, 1000),)))
    post_entry(EntryDraft(key="p1", kind="purchase", postings=(purchase(4, 300),)))

    assert balance(wallet_account(4)) == gbp(700)
    assert balance("store:revenue:GBP") == gbp(300)
    assert balance("external:vouchers:GBP") == gbp(-1000)
    report = verify_ledger()
    assert report.ok, report.problems
    assert report.totals == {"GBP": gbp(1000)}


def test_a_replay_returns_the_first_entry_and_writes_nothing():
    draft = EntryDraft(key="v1", kind="voucher", postings=(voucher(4, 1000),), memo="code ABC")
    first = post_entry(draft)
    before = _rows()

    again = post_entry(EntryDraft(key="v1", kind="voucher", postings=(voucher(4, 1000),), memo="code ABC"))

    assert again.pk == first.pk
    assert _rows() == before
    assert balance(wallet_account(4)) == gbp(1000)


def test_the_same_key_with_another_amount_is_a_conflict():
    first = post_entry(EntryDraft(key="v1", kind="voucher", postings=(voucher(4, 1000),)))
    before = _rows()

    with pytest.raises(IdempotencyConflict, match=f"entry {first.pk}"):
        post_entry(EntryDraft(key="v1", kind="voucher", postings=(voucher(4, 2000),)))

    assert _rows() == before
    assert balance(wallet_account(4)) == gbp(1000)


def test_an_overdraft_is_refused_and_writes_nothing():
    post_entry(EntryDraft(key="v1", kind="voucher", postings=(voucher(4, 250),)))
    before = _rows()

    with pytest.raises(InsufficientFunds) as refused:
        post_entry(EntryDraft(key="p1", kind="purchase", postings=(purchase(4, 300), purchase(4, 1))))

    assert (refused.value.account, refused.value.balance, refused.value.needed) == (
        "customer:4:wallet", gbp(250), gbp(301))
    assert "customer:4:wallet" in str(refused.value)
    assert _rows() == before
    assert balance(wallet_account(4)) == gbp(250)


def test_an_overdraft_of_a_new_wallet_leaves_no_account_behind():
    before = _rows()
    with pytest.raises(InsufficientFunds):
        post_entry(EntryDraft(key="p1", kind="purchase", postings=(purchase(9, 100),)))
    assert _rows() == before


def test_a_wallet_keeps_the_currency_of_its_first_posting():
    post_entry(EntryDraft(key="v1", kind="voucher", postings=(voucher(4, 1000),)))
    before = _rows()
    euros = Posting(debit="external:vouchers:EUR", credit=wallet_account(4), amount=Money(500, "EUR"))

    with pytest.raises(CurrencyMismatch, match="customer:4:wallet holds GBP"):
        post_entry(EntryDraft(key="v2", kind="voucher", postings=(euros,)))

    assert _rows() == before


def test_a_balanced_multi_posting_entry_may_pass_through_a_wallet():
    """A top-up and a purchase in one entry: the wallet never holds less than zero at the end."""
    post_entry(EntryDraft(key="t1", kind="purchase", postings=(
        Posting("external:stripe:GBP", wallet_account(5), gbp(999)), purchase(5, 999))))
    assert balance(wallet_account(5)) == gbp(0)
    assert verify_ledger().ok


def test_balance_of_an_unused_account():
    assert balance("store:revenue:EUR") == Money(0, "EUR")
    assert balance(wallet_account(77), currency="GBP") == gbp(0)
    with pytest.raises(UnknownAccount):
        balance(wallet_account(77))


def test_entries_for_a_wallet_are_newest_first_with_postings():
    post_entry(EntryDraft(key="v1", kind="voucher", postings=(voucher(4, 1000),)))
    post_entry(EntryDraft(key="v2", kind="voucher", postings=(voucher(5, 1000),)))
    post_entry(EntryDraft(key="p1", kind="purchase", postings=(purchase(4, 300),)))

    history = list(entries_for(wallet_account(4)))

    assert [e.key for e in history] == ["p1", "v1"]
    assert [(p.debit.code, p.credit.code, p.amount) for p in history[0].postings.all()] == [
        ("customer:4:wallet", "store:revenue:GBP", gbp(300))]


def test_a_reversal_swaps_every_posting_once():
    post_entry(EntryDraft(key="v1", kind="voucher", postings=(voucher(4, 1000),)))
    post_entry(EntryDraft(key="p1", kind="purchase", postings=(purchase(4, 300),)))
    purchase_entry = Entry.objects.get(key="p1")

    refund = reverse_entry(purchase_entry.pk, key="refund-p1", memo="customer asked")

    assert refund.reverses_id == purchase_entry.pk and refund.kind == "reversal"
    assert balance(wallet_account(4)) == gbp(1000)
    assert balance("store:revenue:GBP") == gbp(0)
    assert reverse_entry(purchase_entry.pk, key="refund-p1", memo="customer asked").pk == refund.pk
    with pytest.raises(AlreadyReversed):
        reverse_entry(purchase_entry.pk, key="refund-p1-again")
    assert verify_ledger().ok


def test_a_reversal_cannot_take_back_money_already_spent():
    topup = post_entry(EntryDraft(key="v1", kind="voucher", postings=(voucher(4, 1000),)))
    post_entry(EntryDraft(key="p1", kind="purchase", postings=(purchase(4, 800),)))
    before = _rows()

    with pytest.raises(InsufficientFunds, match="customer:4:wallet"):
        reverse_entry(topup.pk, key="chargeback-v1")

    assert _rows() == before


def test_an_entry_cannot_refer_to_an_entry_that_does_not_exist():
    before = _rows()
    with pytest.raises(UnknownEntry):
        post_entry(EntryDraft(key="r1", kind="refund", postings=(voucher(4, 100),), reverses=999_999))
    with pytest.raises(UnknownEntry):
        reverse_entry(999_999, key="r2")
    assert _rows() == before
