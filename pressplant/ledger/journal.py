"""The ledger's pure core: postings and entries as values, balanced by construction.

A posting moves a positive amount from one account (debit) to another (credit), so every entry
balances whatever postings it holds. An account's balance is credits - debits; external accounts go
negative as money comes in, so per currency all balances sum to zero.
No Django here: an import-linter contract keeps it that way.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

from pressplant.ledger.errors import CurrencyMismatch, InvalidPosting
from pressplant.money import CURRENCY_EXPONENTS, Money

CODE_MAX_LENGTH = 200


@dataclass(frozen=True, slots=True)
class AccountKind:
    """One kind of account: the shape of its codes, and whether its balance may go below zero."""

    name: str
    pattern: str
    may_go_negative: bool


ACCOUNT_KINDS: dict[str, AccountKind] = {
    "customer": AccountKind("wallet", r"customer:[1-9][0-9]*:wallet", may_go_negative=False),
    "store": AccountKind("store", r"store:[a-z0-9_-]+:(?P<currency>[A-Z]{3})", may_go_negative=True),
    "external": AccountKind("external", r"external:[a-z0-9_-]+:(?P<currency>[A-Z]{3})", may_go_negative=True),
    "payable": AccountKind("payable", r"payable:[A-Za-z0-9_.-]+:(?P<currency>[A-Z]{3})", may_go_negative=True),
    "tax": AccountKind("tax", r"tax:[A-Z]{2}:(?P<currency>[A-Z]{3})", may_go_negative=False),
}
"""Code prefix -> kind. Wallets hold customers' money and never go negative; store and external
accounts are the other side of every movement and may; payables and tax are owed, never overpaid."""


def _match(code: str) -> tuple[AccountKind, re.Match[str]]:
    kind = ACCOUNT_KINDS.get(code.partition(":")[0])
    found = re.fullmatch(kind.pattern, code) if kind and len(code) <= CODE_MAX_LENGTH else None
    if kind is None or found is None:
        raise InvalidPosting(f"{code!r} is not an account code (e.g. customer:42:wallet, external:stripe:GBP)")
    currency = found.groupdict().get("currency")
    if currency is not None and currency not in CURRENCY_EXPONENTS:
        raise InvalidPosting(f"{code!r} names an unknown currency {currency!r}")
    return kind, found


def account_kind(code: str) -> AccountKind:
    """The kind of the account `code` names; InvalidPosting if no kind's code looks like it."""
    return _match(code)[0]


def account_currency(code: str) -> str | None:
    """The currency a code names ("external:stripe:GBP" -> "GBP"); None for wallets, which take the
    currency of their first posting."""
    return _match(code)[1].groupdict().get("currency")


def wallet_account(customer_id: int) -> str:
    return f"customer:{customer_id}:wallet"


@dataclass(frozen=True, slots=True)
class Posting:
    """`amount` leaves `debit` and arrives in `credit`."""

    debit: str
    credit: str
    amount: Money

    def __post_init__(self) -> None:
        if self.amount.amount_minor <= 0:
            raise InvalidPosting(f"{self.debit} -> {self.credit}: amount must be positive, got {self.amount}")
        if self.debit == self.credit:
            raise InvalidPosting(f"{self.debit}: a posting cannot move money to its own account")
        for code in (self.debit, self.credit):
            currency = account_currency(code)
            if currency is not None and currency != self.amount.currency:
                raise CurrencyMismatch(f"account {code} holds {currency}, the posting is in {self.amount.currency}")

    def swapped(self) -> Posting:
        return Posting(debit=self.credit, credit=self.debit, amount=self.amount)


@dataclass(frozen=True, slots=True)
class EntryDraft:
    """A request to post one entry. `key` is the caller's idempotency key, unique forever."""

    key: str
    kind: str
    postings: tuple[Posting, ...]
    memo: str = ""
    reverses: int | None = None

    def __post_init__(self) -> None:
        if not self.key.strip() or len(self.key) > CODE_MAX_LENGTH:
            raise InvalidPosting(f"an idempotency key must be 1-{CODE_MAX_LENGTH} characters, got {self.key!r}")
        if not self.kind.strip():
            raise InvalidPosting(f"entry {self.key!r}: kind is empty")
        object.__setattr__(self, "postings", tuple(self.postings))
        if not self.postings:
            raise InvalidPosting(f"entry {self.key!r}: an entry needs at least one posting")

    def fingerprint(self) -> str:
        """SHA-256 over everything but the key: the same request always has the same fingerprint."""
        request = {
            "kind": self.kind,
            "memo": self.memo,
            "reverses": self.reverses,
            "postings": [[p.debit, p.credit, p.amount.amount_minor, p.amount.currency] for p in self.postings],
        }
        text = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def net_minor_by_account(self) -> dict[str, int]:
        """Each account's change of balance (credits - debits) if the entry is posted."""
        net: dict[str, int] = {}
        for posting in self.postings:
            net[posting.credit] = net.get(posting.credit, 0) + posting.amount.amount_minor
            net[posting.debit] = net.get(posting.debit, 0) - posting.amount.amount_minor
        return net


@dataclass(frozen=True, slots=True)
class LedgerReport:
    """What verify_ledger found: problems as sentences, and per currency the money that came in from
    outside (minus the external balances)."""

    problems: list[str] = field(default_factory=list)
    totals: dict[str, Money] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems
