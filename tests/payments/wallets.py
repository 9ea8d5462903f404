"""Reading wallets the way a customer would see them: through the ledger's balance()."""

from __future__ import annotations

from pressplant.ledger.actions import balance
from pressplant.ledger.journal import wallet_account


def wallet_minor(customer_id: int, currency: str = "GBP") -> int:
    """The wallet's balance in minor units (0 for a wallet that never received anything)."""
    money = balance(wallet_account(customer_id), currency)
    assert money.currency == currency
    return money.amount_minor
