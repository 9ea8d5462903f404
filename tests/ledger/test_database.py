"""The database itself refuses to rewrite history or break the ledger's rules, whoever asks: these
tests go around the ORM with raw SQL."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from pressplant.ledger.actions import post_entry
from pressplant.ledger.journal import EntryDraft
from pressplant.ledger.models import Account, Entry
from pressplant.ledger.models import Posting as PostingRow
from tests.ledger.conftest import purchase, voucher

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry() -> Entry:
    post_entry(EntryDraft(key="v1", kind="voucher", postings=(voucher(4, 1000),)))
    return post_entry(EntryDraft(key="p1", kind="purchase", postings=(purchase(4, 300),)))


_INSERT_POSTING = ("INSERT INTO ledger_posting (entry_id, debit_id, credit_id, amount_minor, currency) "
                   "VALUES (%s, %s, %s, %s, 'GBP')")


def _refused(sql: str, params: list[object]) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_posting_cannot_be_updated(entry: Entry):
    posting = entry.postings.get()
    _refused("UPDATE ledger_posting SET amount_minor = 1 WHERE id = %s", [posting.pk])
    posting.refresh_from_db()
    assert posting.amount_minor == 300


def test_a_posting_cannot_be_deleted(entry: Entry):
    posting = entry.postings.get()
    _refused("DELETE FROM ledger_posting WHERE id = %s", [posting.pk])
    assert PostingRow.objects.filter(pk=posting.pk).exists()


def test_an_entry_cannot_be_updated_or_deleted(entry: Entry):
    _refused("UPDATE ledger_entry SET memo = 'edited' WHERE id = %s", [entry.pk])
    _refused("DELETE FROM ledger_entry WHERE id = %s", [entry.pk])
    entry.refresh_from_db()
    assert entry.memo == ""


def test_the_orm_is_refused_too(entry: Entry):
    with pytest.raises(DatabaseError), transaction.atomic():
        PostingRow.objects.filter(entry=entry).update(amount_minor=1)
    assert entry.postings.get().amount_minor == 300


def test_a_posting_of_zero_is_refused(entry: Entry):
    posting = entry.postings.get()
    _refused(_INSERT_POSTING, [entry.pk, posting.debit_id, posting.credit_id, 0])
    assert entry.postings.count() == 1


def test_a_posting_to_its_own_account_is_refused(entry: Entry):
    posting = entry.postings.get()
    _refused(_INSERT_POSTING, [entry.pk, posting.debit_id, posting.debit_id, 5])
    assert entry.postings.count() == 1


def test_a_wallet_cannot_be_set_below_zero(entry: Entry):
    _refused("UPDATE ledger_account SET balance_minor = -1 WHERE code = %s", ["customer:4:wallet"])
    assert Account.objects.get(code="customer:4:wallet").balance_minor == 700


def test_an_external_account_may_be_negative_and_balances_stay_updatable(entry: Entry):
    assert Account.objects.get(code="external:vouchers:GBP").balance_minor == -1000
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_account SET balance_minor = 5 WHERE code = %s", ["customer:4:wallet"])
    assert Account.objects.get(code="customer:4:wallet").balance_minor == 5


def test_an_idempotency_key_is_unique(entry: Entry):
    _refused("INSERT INTO ledger_entry (key, kind, fingerprint, memo, created_at) "
             "VALUES ('p1', 'purchase', 'x', '', CURRENT_TIMESTAMP)", [])
    assert Entry.objects.filter(key="p1").count() == 1
