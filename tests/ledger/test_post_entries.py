"""post_entries: the entries of one order go in together or not at all, and replay together."""

from __future__ import annotations

import pytest
from django.db import transaction

from pressplant.ledger.actions import balance, post_entries, post_entry, verify_ledger
from pressplant.ledger.errors import InsufficientFunds
from pressplant.ledger.journal import EntryDraft, wallet_account
from pressplant.ledger.models import Account, Entry
from pressplant.ledger.models import Posting as PostingRow
from tests.ledger.conftest import gbp, purchase, voucher

pytestmark = pytest.mark.django_db


def _rows() -> tuple[int, int, int]:
    return Entry.objects.count(), PostingRow.objects.count(), Account.objects.count()


def _spend(key: str, amount_minor: int) -> EntryDraft:
    return EntryDraft(key=key, kind="purchase", postings=(purchase(4, amount_minor),))


def test_entries_posted_together_move_the_balances_once_and_replay_together():
    post_entry(EntryDraft(key="v1", kind="voucher", postings=(voucher(4, 1000),)))

    first = post_entries([_spend("p1", 300), _spend("p2", 200)])
    before = _rows()
    again = post_entries([_spend("p1", 300), _spend("p2", 200)])

    assert [e.key for e in first] == ["p1", "p2"] and [e.pk for e in again] == [e.pk for e in first]
    assert _rows() == before
    assert balance(wallet_account(4)) == gbp(500) and balance("store:revenue:GBP") == gbp(500)
    assert verify_ledger().ok


def test_one_entry_too_many_for_the_wallet_refuses_them_all():
    post_entry(EntryDraft(key="v1", kind="voucher", postings=(voucher(4, 400),)))
    before = _rows()

    with pytest.raises(InsufficientFunds) as refused:
        post_entries([_spend("p1", 300), _spend("p2", 200)])

    assert (refused.value.account, refused.value.balance, refused.value.needed) == (
        "customer:4:wallet", gbp(400), gbp(500))
    assert _rows() == before and balance(wallet_account(4)) == gbp(400)


def test_a_key_posted_before_replays_beside_a_new_one():
    post_entry(EntryDraft(key="v1", kind="voucher", postings=(voucher(4, 1000),)))
    earlier = post_entry(_spend("p1", 300))

    both = post_entries([_spend("p1", 300), _spend("p2", 200)])

    assert both[0].pk == earlier.pk and both[1].key == "p2"
    assert balance(wallet_account(4)) == gbp(500) and verify_ledger().ok


def test_without_a_savepoint_a_refusal_rolls_back_the_callers_transaction_too():
    post_entry(EntryDraft(key="v1", kind="voucher", postings=(voucher(4, 100),)))
    before = _rows()

    with pytest.raises(InsufficientFunds), transaction.atomic():
        post_entry(EntryDraft(key="v2", kind="voucher", postings=(voucher(4, 50),)))  # the caller's own work
        post_entries([_spend("p1", 300)], savepoint=False)

    assert _rows() == before and balance(wallet_account(4)) == gbp(100)


def test_the_callers_rows_go_in_before_the_balances_move():
    post_entry(EntryDraft(key="v1", kind="voucher", postings=(voucher(4, 1000),)))
    seen: list[tuple[list[str], int]] = []

    def written(entries: list[Entry]) -> None:
        seen.append(([e.key for e in entries], balance(wallet_account(4)).amount_minor))

    post_entries([_spend("p1", 300)], on_written=written)

    assert seen == [(["p1"], 1000)]  # called with the entry written, the wallet not yet moved
    assert balance(wallet_account(4)) == gbp(700) and verify_ledger().ok
