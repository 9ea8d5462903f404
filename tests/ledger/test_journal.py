"""The pure core: postings refuse what cannot be money movement; fingerprints identify requests."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pressplant.ledger.errors import CurrencyMismatch, InvalidPosting
from pressplant.ledger.journal import (
    ACCOUNT_KINDS,
    EntryDraft,
    Posting,
    account_currency,
    account_kind,
    wallet_account,
)
from pressplant.money import Money

customers = st.integers(min_value=1, max_value=10**9)
positive = st.integers(min_value=1, max_value=10**12)


@given(st.integers(max_value=0), customers)
def test_a_posting_refuses_a_non_positive_amount(amount_minor: int, customer_id: int) -> None:
    with pytest.raises(ValueError, match="must be positive"):
        Posting("external:vouchers:GBP", wallet_account(customer_id), Money(amount_minor, "GBP"))


@given(customers, positive)
def test_a_posting_refuses_to_move_money_to_its_own_account(customer_id: int, amount_minor: int) -> None:
    code = wallet_account(customer_id)
    with pytest.raises(ValueError, match="its own account"):
        Posting(code, code, Money(amount_minor, "GBP"))


@given(customers, positive)
def test_a_posting_refuses_a_currency_its_account_code_does_not_hold(customer_id: int, amount_minor: int) -> None:
    with pytest.raises(CurrencyMismatch):
        Posting("external:vouchers:GBP", wallet_account(customer_id), Money(amount_minor, "EUR"))


def test_an_entry_needs_a_posting_and_a_key() -> None:
    with pytest.raises(InvalidPosting):
        EntryDraft(key="k", kind="voucher", postings=())
    with pytest.raises(InvalidPosting):
        EntryDraft(key=" ", kind="voucher", postings=(Posting("external:x:GBP", "customer:1:wallet", Money(1, "GBP")),))


drafts = st.builds(
    lambda customer_id, amount, memo: EntryDraft(
        key="k", kind="voucher", memo=memo,
        postings=(Posting("external:vouchers:GBP", wallet_account(customer_id), Money(amount, "GBP")),)),
    customers, positive, st.text(max_size=20),
)


@given(drafts, st.text(min_size=1, max_size=30).filter(str.strip))
def test_the_fingerprint_is_stable_and_ignores_the_key(draft: EntryDraft, other_key: str) -> None:
    again = EntryDraft(key=other_key, kind=draft.kind, postings=tuple(draft.postings), memo=draft.memo)
    assert again.fingerprint() == draft.fingerprint()
    assert len(draft.fingerprint()) == 64


@given(drafts, positive)
def test_another_amount_gives_another_fingerprint(draft: EntryDraft, extra: int) -> None:
    posting = draft.postings[0]
    changed = Posting(posting.debit, posting.credit, Money(posting.amount.amount_minor + extra, "GBP"))
    assert EntryDraft(key=draft.key, kind=draft.kind, postings=(changed,), memo=draft.memo).fingerprint() \
        != draft.fingerprint()


def test_kind_memo_and_reversal_are_part_of_the_fingerprint() -> None:
    base = EntryDraft(key="k", kind="topup", postings=(Posting("external:stripe:GBP", "customer:1:wallet",
                                                                Money(500, "GBP")),))
    fingerprints = {
        base.fingerprint(),
        EntryDraft(key="k", kind="bonus", postings=base.postings).fingerprint(),
        EntryDraft(key="k", kind="topup", postings=base.postings, memo="x").fingerprint(),
        EntryDraft(key="k", kind="topup", postings=base.postings, reverses=7).fingerprint(),
    }
    assert len(fingerprints) == 4


@pytest.mark.parametrize(("code", "kind", "may_go_negative", "currency"), [
    ("customer:42:wallet", "wallet", False, None),
    ("store:revenue:GBP", "store", True, "GBP"),
    ("store:promotions:EUR", "store", True, "EUR"),
    ("external:vouchers:GBP", "external", True, "GBP"),
    ("payable:label-7:GBP", "payable", True, "GBP"),  # a refund after a payout is clawed back
    ("tax:DE:EUR", "tax", False, "EUR"),
])
def test_account_kinds_are_read_from_the_code(code: str, kind: str, may_go_negative: bool,
                                              currency: str | None) -> None:
    assert account_kind(code).name == kind
    assert account_kind(code).may_go_negative is may_go_negative
    assert account_currency(code) == currency


@pytest.mark.parametrize("code", ["customer:x:wallet", "customer:0:wallet", "store:revenue", "external:vouchers:XXX",
                                  "nobody:1:GBP", "", "customer:42:wallet:extra"])
def test_malformed_codes_are_refused(code: str) -> None:
    with pytest.raises(InvalidPosting):
        account_kind(code)


def test_only_wallets_may_never_go_negative_among_customer_accounts() -> None:
    assert ACCOUNT_KINDS["customer"].may_go_negative is False
