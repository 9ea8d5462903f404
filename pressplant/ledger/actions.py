"""State changes and reads of the ledger. post_entry() is the one way money moves: one transaction,
idempotent on the caller's key, accounts locked in code order so two entries cannot deadlock."""

from __future__ import annotations

import random
import time

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import QuerySet, Sum

from pressplant.ledger.errors import (
    AlreadyReversed,
    CurrencyMismatch,
    IdempotencyConflict,
    InsufficientFunds,
    LedgerError,
    UnknownAccount,
    UnknownEntry,
)
from pressplant.ledger.journal import EntryDraft, LedgerReport, Posting, account_currency, account_kind
from pressplant.ledger.models import Account, Entry
from pressplant.ledger.models import Posting as PostingRow
from pressplant.money import Money

REVERSAL_KIND = "reversal"
LOCKED_RETRY_BUDGET_S = 10.0
"""How long post_entry keeps retrying SQLite's "database is locked" / "database table is locked"."""

__all__ = [
    "AlreadyReversed", "CurrencyMismatch", "IdempotencyConflict", "InsufficientFunds", "LedgerError",
    "UnknownAccount", "UnknownEntry", "balance", "entries_for", "post_entry", "reverse_entry", "verify_ledger",
]


def post_entry(draft: EntryDraft) -> Entry:
    """Post `draft` and return its Entry; a repeat of the same request returns the first Entry.

    Raises IdempotencyConflict (key used for another request), InsufficientFunds (an account that may
    not go negative would), CurrencyMismatch; in every case nothing is written. Outside a transaction,
    SQLite's "database is locked" is retried for up to LOCKED_RETRY_BUDGET_S (a shared-cache in-memory
    database, as in tests, fails at once instead of waiting); inside the caller's transaction it propagates.
    """
    fingerprint = draft.fingerprint()
    deadline = time.monotonic() + LOCKED_RETRY_BUDGET_S
    pause_s = 0.005
    while True:
        try:
            return _post_once(draft, fingerprint)
        except OperationalError as error:
            if connection.in_atomic_block or "locked" not in str(error) or time.monotonic() > deadline:
                raise
        time.sleep(random.uniform(0, pause_s))  # noqa: S311  (jitter, not a secret)
        pause_s = min(pause_s * 2, 0.2)


def _post_once(draft: EntryDraft, fingerprint: str) -> Entry:
    existing = Entry.objects.filter(key=draft.key).first()
    if existing is not None:
        return _replay(existing, draft.key, fingerprint)
    try:
        with transaction.atomic():
            return _write(draft, fingerprint)
    except IntegrityError:
        # Another transaction posted the same key between our look and our insert.
        existing = Entry.objects.filter(key=draft.key).first()
        if existing is None:
            raise
        return _replay(existing, draft.key, fingerprint)


def _replay(existing: Entry, key: str, fingerprint: str) -> Entry:
    if existing.fingerprint != fingerprint:
        raise IdempotencyConflict(key, existing.pk)
    return existing


def _write(draft: EntryDraft, fingerprint: str) -> Entry:
    accounts = _lock_accounts(draft)
    existing = Entry.objects.filter(key=draft.key).first()
    if existing is not None:  # posted while we waited for the locks
        return _replay(existing, draft.key, fingerprint)
    if draft.reverses is not None and not Entry.objects.filter(pk=draft.reverses).exists():
        raise UnknownEntry(f"entry {draft.key!r} refers to entry {draft.reverses}, which does not exist")
    _check_currencies(draft.postings, accounts)
    net = draft.net_minor_by_account()
    _check_funds(net, accounts)
    entry = Entry.objects.create(key=draft.key, kind=draft.kind, fingerprint=fingerprint, memo=draft.memo,
                                 reverses_id=draft.reverses)
    PostingRow.objects.bulk_create([
        PostingRow(entry=entry, debit=accounts[p.debit], credit=accounts[p.credit],
                   amount_minor=p.amount.amount_minor, currency=p.amount.currency)
        for p in draft.postings
    ])
    for code in sorted(net):
        account = accounts[code]
        account.balance_minor += net[code]
        account.save(update_fields=["balance_minor"])
    return entry


def _lock_accounts(draft: EntryDraft) -> dict[str, Account]:
    """Create the accounts the draft names on first use (in its currency), then lock them all in code
    order."""
    currencies: dict[str, str] = {}
    for posting in draft.postings:
        currencies.setdefault(posting.debit, posting.amount.currency)
        currencies.setdefault(posting.credit, posting.amount.currency)
    Account.objects.bulk_create(
        [_new_account(code, currency) for code, currency in sorted(currencies.items())], ignore_conflicts=True
    )
    locked = Account.objects.select_for_update().filter(code__in=currencies).order_by("code")
    return {account.code: account for account in locked}


def _new_account(code: str, currency: str) -> Account:
    kind = account_kind(code)
    return Account(code=code, currency=currency, kind=kind.name, may_go_negative=kind.may_go_negative)


def _check_currencies(postings: tuple[Posting, ...], accounts: dict[str, Account]) -> None:
    for posting in postings:
        for code in (posting.debit, posting.credit):
            if accounts[code].currency != posting.amount.currency:
                raise CurrencyMismatch(
                    f"account {code} holds {accounts[code].currency}, the posting is in {posting.amount.currency}"
                )


def _check_funds(net: dict[str, int], accounts: dict[str, Account]) -> None:
    for code in sorted(net):
        account = accounts[code]
        if not account.may_go_negative and account.balance_minor + net[code] < 0:
            raise InsufficientFunds(code, account.balance, Money(-net[code], account.currency))


def balance(code: str, currency: str | None = None) -> Money:
    """The account's balance (credits - debits). An account not used yet holds zero, in `currency` or
    the currency its code names; a wallet never used and no currency given -> UnknownAccount."""
    account = Account.objects.filter(code=code).first()
    if account is not None:
        return account.balance
    currency = currency or account_currency(code)
    if currency is None:
        raise UnknownAccount(f"account {code} has no postings yet; pass its currency to read a zero balance")
    return Money.zero(currency)


def entries_for(code: str) -> QuerySet[Entry]:
    """The account's entries, newest first, with their postings: a wallet's history page."""
    return Entry.objects.touching(code)


def reverse_entry(entry_id: int, key: str, memo: str = "") -> Entry:
    """Post a new entry with every posting of `entry_id` swapped, referencing it. Once per entry: a
    second reversal under another key raises AlreadyReversed; a repeat of the same key replays."""
    original = Entry.objects.prefetch_related("postings__debit", "postings__credit").filter(pk=entry_id).first()
    if original is None:
        raise UnknownEntry(f"there is no entry {entry_id} to reverse")
    draft = EntryDraft(
        key=key,
        kind=REVERSAL_KIND,
        postings=tuple(Posting(p.debit.code, p.credit.code, p.amount).swapped() for p in original.postings.all()),
        memo=memo or f"reverses entry {entry_id} ({original.kind} {original.key})",
        reverses=entry_id,
    )
    earlier = original.reversals.filter(kind=REVERSAL_KIND).exclude(key=key).first()
    if earlier is not None:
        raise AlreadyReversed(f"entry {entry_id} was already reversed by entry {earlier.pk} ({earlier.key})")
    try:
        return post_entry(draft)
    except IntegrityError:
        earlier = original.reversals.filter(kind=REVERSAL_KIND).first()
        if earlier is None:
            raise
        raise AlreadyReversed(f"entry {entry_id} was already reversed by entry {earlier.pk}") from None


_STORED_AGAINST_POSTINGS = """
SELECT a.code, a.balance_minor, COALESCE(moves.net_minor, 0)
FROM ledger_account a
LEFT JOIN (
    SELECT account_id, SUM(delta_minor) AS net_minor FROM (
        SELECT credit_id AS account_id, amount_minor AS delta_minor FROM ledger_posting
        UNION ALL
        SELECT debit_id AS account_id, -amount_minor AS delta_minor FROM ledger_posting
    ) deltas
    GROUP BY account_id
) moves ON moves.account_id = a.id
WHERE a.balance_minor <> COALESCE(moves.net_minor, 0)
ORDER BY a.code
"""

_POSTING_CURRENCIES = """
SELECT p.id, p.entry_id, p.currency, d.code, d.currency, c.code, c.currency
FROM ledger_posting p
JOIN ledger_account d ON d.id = p.debit_id
JOIN ledger_account c ON c.id = p.credit_id
WHERE p.currency <> d.currency OR p.currency <> c.currency
ORDER BY p.id
"""


def verify_ledger() -> LedgerReport:
    """Check the ledger against itself, in one consistent snapshot: per currency all balances sum to
    zero; every stored balance equals its postings; nothing that may not go negative has; every posting
    is in its accounts' currency. Returns the problems as sentences and the external inflow per currency.
    On SQLite the snapshot is an IMMEDIATE transaction, so writers wait while it runs."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        problems = [*_unbalanced_currencies(), *_stale_balances(), *_overdrafts(), *_foreign_postings()]
        return LedgerReport(problems=problems, totals=_external_inflow())


def _unbalanced_currencies() -> list[str]:
    sums = Account.objects.values("currency").annotate(total=Sum("balance_minor")).order_by("currency")
    return [f"currency {row['currency']}: balances sum to {row['total']}, not 0" for row in sums if row["total"]]


def _stale_balances() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(_STORED_AGAINST_POSTINGS)
        rows = cursor.fetchall()
    return [f"account {code}: stored balance {stored}, postings say {actual}" for code, stored, actual in rows]


def _overdrafts() -> list[str]:
    below = Account.objects.filter(may_go_negative=False, balance_minor__lt=0)
    return [f"account {a.code}: balance {a.balance_minor} is below zero, and a {a.kind} may not be" for a in below]


def _foreign_postings() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(_POSTING_CURRENCIES)
        rows = cursor.fetchall()
    return [
        f"posting {pid} of entry {eid}: in {cur}, but {dcode} holds {dcur} and {ccode} holds {ccur}"
        for pid, eid, cur, dcode, dcur, ccode, ccur in rows
    ]


def _external_inflow() -> dict[str, Money]:
    sums = Account.objects.filter(kind="external").values("currency").annotate(total=Sum("balance_minor"))
    return {row["currency"]: Money(-(row["total"] or 0), row["currency"]) for row in sums.order_by("currency")}
