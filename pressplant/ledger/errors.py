"""The ledger's errors: each one says which account or key and why. Pure: no Django."""

from __future__ import annotations

from pressplant.money import Money


class LedgerError(Exception):
    """A ledger request was refused; nothing was written."""


class InvalidPosting(LedgerError, ValueError):
    """A posting or entry draft is malformed: a non-positive amount, a self-posting, an unknown code."""


class CurrencyMismatch(LedgerError, ValueError):
    """A posting's currency is not its account's currency."""


class IdempotencyConflict(LedgerError):
    """The key was used before for a different request."""

    def __init__(self, key: str, entry_id: int) -> None:
        super().__init__(f"key {key!r} was already used by entry {entry_id} for a different request")
        self.key = key
        self.entry_id = entry_id


class InsufficientFunds(LedgerError):
    """The entry would take an account that may not go negative below zero."""

    def __init__(self, account: str, balance: Money, needed: Money) -> None:
        super().__init__(f"account {account}: holds {balance.format()}, the entry needs {needed.format()}")
        self.account = account
        self.balance = balance
        self.needed = needed


class UnknownAccount(LedgerError, LookupError):
    """No account has this code yet, and its currency cannot be told from the code."""


class UnknownEntry(LedgerError, LookupError):
    """An entry to reverse or refer to does not exist."""


class AlreadyReversed(LedgerError):
    """An entry can be reversed once; a second reversal under another key is refused."""
