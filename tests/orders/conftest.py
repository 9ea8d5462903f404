"""A buyer with money in the wallet, and a catalogue with a flat price per track."""

from __future__ import annotations

import pytest

from pressplant.accounts.actions import sign_up
from pressplant.accounts.models import Customer
from pressplant.ledger.actions import post_entry
from pressplant.ledger.journal import EntryDraft, Posting
from pressplant.money import Money
from tests.delivery.conftest import album_tree, tracks  # noqa: F401  (the ingested three-track album)

PASSWORD = "correct horse battery staple"


def fund(customer: Customer, amount_minor: int, key: str = "test-topup") -> None:
    """Money in from outside, as a voucher or card top-up would bring it."""
    money = Money(amount_minor, customer.currency)
    post_entry(EntryDraft(key=f"{key}:{customer.pk}", kind="topup",
                          postings=(Posting(debit=f"external:test:{money.currency}", credit=customer.wallet_account,
                                            amount=money),)))


@pytest.fixture
def buyer(db) -> Customer:
    return sign_up("buyer@example.com", PASSWORD, "GB")
