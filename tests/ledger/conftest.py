"""Ledger test helpers: the postings most tests make. (The append-only triggers are put in place for
every database test, and lifted for flushes, by tests/conftest.py.)"""

from __future__ import annotations

from pressplant.ledger.journal import Posting, wallet_account
from pressplant.money import Money

__all__ = ["gbp", "purchase", "voucher"]


def gbp(amount_minor: int) -> Money:
    return Money(amount_minor, "GBP")


def voucher(customer_id: int, amount_minor: int) -> Posting:
    """Money entering a wallet from a redeemed voucher."""
    return Posting(debit="external:vouchers:GBP", credit=wallet_account(customer_id), amount=gbp(amount_minor))


def purchase(customer_id: int, amount_minor: int) -> Posting:
    return Posting(debit=wallet_account(customer_id), credit="store:revenue:GBP", amount=gbp(amount_minor))
