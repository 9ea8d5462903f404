"""State changes and reads of the ledger. post_entry() (post_entries() for several at once) is the one
way money moves: one transaction, idempotent on the caller's key, accounts locked in code order so two
entries cannot deadlock."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from pressplant.ledger.errors import (
    AlreadyReversed,
    CurrencyMismatch,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidPosting,
    LedgerError,
    UnknownAccount,
    UnknownEntry,
)
from pressplant.ledger.journal import EntryDraft, LedgerReport, Posting, account_currency, account_kind
from pressplant.ledger.models import Account, Entry
from pressplant.money import Money

REVERSAL_KIND = "reversal"
LOCKED_RETRY_BUDGET_S = 10.0
"""How long post_entry keeps retrying SQLite's "database is locked" / "database table is locked"."""

__all__ = [
    "AlreadyReversed", "CurrencyMismatch", "IdempotencyConflict", "InsufficientFunds", "LedgerError",
    "Reversal", "UnknownAccount", "UnknownEntry", "balance", "entries_for", "post_entries", "post_entry",
    "reverse_entries", "reverse_entry", "verify_ledger",
]


def post_entry(draft: EntryDraft) -> Entry:
    """Post `draft` and return its Entry; a repeat of the same request returns the first Entry.

    Raises IdempotencyConflict (key used for another request), InsufficientFunds (an account that may
    not go negative would), CurrencyMismatch; in every case nothing is written. Outside a transaction,
    SQLite's "database is locked" is retried for up to LOCKED_RETRY_BUDGET_S (a shared-cache in-memory
    database, as in tests, fails at once instead of waiting); inside the caller's transaction it propagates.
    """
    return post_entries([draft])[0]


def post_entries(drafts: Sequence[EntryDraft], *, savepoint: bool = True,
                 on_written: Callable[[list[Entry]], None] | None = None) -> list[Entry]:
    """Post several entries at once, all or none, and return them in the drafts' order: post_entry for a
    whole order. Their accounts are locked together, once, in code order, so an order of many lines
    cannot deadlock with another; a draft whose key was posted before replays as post_entry's would.

    Inside the caller's transaction the entries are written under a savepoint, so a refusal leaves the
    caller's transaction usable. A caller that rolls back on any error anyway may pass savepoint=False
    and save its two statements; a key posted before then raises IntegrityError instead of replaying.
    `on_written` is called with the entries it writes once they and their postings are in, before the
    balances are locked: the caller's rows that refer to them go in then, and the locks on busy accounts
    are held from the balance update to the commit only.
    """
    if not drafts:
        return []
    if len({draft.key for draft in drafts}) != len(drafts):
        raise InvalidPosting("each entry of one posting needs its own key")
    deadline = time.monotonic() + LOCKED_RETRY_BUDGET_S
    pause_s = 0.005
    while True:
        try:
            return _post_once(drafts, savepoint, on_written)
        except OperationalError as error:
            if connection.in_atomic_block or "locked" not in str(error) or time.monotonic() > deadline:
                raise
        time.sleep(random.uniform(0, pause_s))  # noqa: S311  (jitter, not a secret)
        pause_s = min(pause_s * 2, 0.2)


def _post_once(drafts: Sequence[EntryDraft], savepoint: bool,
               on_written: Callable[[list[Entry]], None] | None) -> list[Entry]:
    """Write the drafts; a key taken already (by an earlier request, or by one that won the race while
    we waited for the locks) fails the entry's INSERT, and that draft replays instead."""
    try:
        with transaction.atomic(savepoint=savepoint):
            return _write(drafts, on_written)
    except IntegrityError:
        if connection.in_atomic_block and not savepoint:
            raise  # the caller's transaction is spoilt: it rolls back, as it said it would
        existing = {entry.key: entry for entry in Entry.objects.filter(key__in=[d.key for d in drafts])}
        if not existing:
            raise
    new = [draft for draft in drafts if draft.key not in existing]
    written = {entry.key: entry for entry in _post_once(new, savepoint, on_written)} if new else {}
    return [written[d.key] if d.key in written else _replay(existing[d.key], d) for d in drafts]


def _replay(existing: Entry, draft: EntryDraft) -> Entry:
    if existing.fingerprint != draft.fingerprint():
        raise IdempotencyConflict(draft.key, existing.pk)
    return existing


def _write(drafts: Sequence[EntryDraft], on_written: Callable[[list[Entry]], None] | None) -> list[Entry]:
    """Write the entries (their keys' unique index refuses a repeat) and their postings, then lock and
    move the balances, last: busy accounts (the store's revenue, a country's VAT) are in every sale of
    their currency, and their locks are held from there to the commit only."""
    postings = [posting for draft in drafts for posting in draft.postings]
    accounts = _accounts(postings)
    _check_currencies(postings, accounts)
    _check_reversed_entries(drafts)
    entries = _insert_entries(drafts)
    _insert_postings([(entry.pk, posting) for entry, draft in zip(entries, drafts, strict=True)
                      for posting in draft.postings], accounts)
    if on_written is not None:
        on_written(entries)
    _move_balances({code: minor for code, minor in _net_minor_by_account(drafts).items() if minor}, accounts)
    return entries


def _insert_entries(drafts: Sequence[EntryDraft]) -> list[Entry]:
    """The entries' rows in one INSERT written by hand: the ORM's bulk_create cost more client CPU than
    the database's work on every sale. Their ids come back paired with their keys, whatever the order."""
    created_at = timezone.now()
    rows = [(draft.key, draft.kind, draft.fingerprint(), draft.memo, draft.reverses) for draft in drafts]
    values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(rows))
    sql = (f'INSERT INTO ledger_entry ("key", kind, fingerprint, memo, reverses_id, created_at) '  # noqa: S608
           f"VALUES {values} RETURNING id, \"key\"")
    stamp = connection.ops.adapt_datetimefield_value(created_at)
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in (*row, stamp)])  # placeholders only, above
        ids = {key: pk for pk, key in cursor.fetchall()}
    entries = [Entry(id=ids[key], key=key, kind=kind, fingerprint=fingerprint, memo=memo, reverses_id=reverses,
                     created_at=created_at) for key, kind, fingerprint, memo, reverses in rows]
    for entry in entries:
        entry._state.adding, entry._state.db = False, connection.alias  # as if read: saved already
    return entries


def _insert_postings(postings: Sequence[tuple[int, Posting]], accounts: dict[str, Account]) -> None:
    """The postings' rows (entry id, posting) in one INSERT written by hand, as _insert_entries."""
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(postings))
    sql = ("INSERT INTO ledger_posting (entry_id, debit_id, credit_id, amount_minor, currency) "  # noqa: S608
           f"VALUES {values}")
    params = [value for entry_id, p in postings for value in (
        entry_id, accounts[p.debit].pk, accounts[p.credit].pk, p.amount.amount_minor, p.amount.currency)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)  # placeholders only, above


def _net_minor_by_account(drafts: Sequence[EntryDraft]) -> dict[str, int]:
    net: dict[str, int] = {}
    for draft in drafts:
        for code, minor in draft.net_minor_by_account().items():
            net[code] = net.get(code, 0) + minor
    return net


def _accounts(postings: Sequence[Posting]) -> dict[str, Account]:
    """The accounts the postings name, created on first use (in the posting's currency), before any
    lock is taken (a first use waiting on another's uncommitted insert then holds no lock of its own)."""
    currencies: dict[str, str] = {}
    for posting in postings:
        currencies.setdefault(posting.debit, posting.amount.currency)
        currencies.setdefault(posting.credit, posting.amount.currency)
    accounts = _read_accounts(list(currencies))
    if len(accounts) < len(currencies):
        Account.objects.bulk_create([_new_account(code, currency) for code, currency in sorted(currencies.items())
                                     if code not in accounts], ignore_conflicts=True)
        accounts = _read_accounts(list(currencies))
    return accounts


def _read_accounts(codes: list[str]) -> dict[str, Account]:
    """Code -> account, for those of `codes` that exist: read by hand, as every sale reads six or seven."""
    sql = ("SELECT id, code, currency, kind, may_go_negative, balance_minor FROM ledger_account "  # noqa: S608
           f"WHERE code IN ({', '.join(['%s'] * len(codes))})")
    with connection.cursor() as cursor:
        cursor.execute(sql, codes)  # placeholders only, above
        rows = cursor.fetchall()
    return {code: Account.from_db(connection.alias, _ACCOUNT_FIELDS, (pk, code, currency, kind, bool(may), minor))
            for pk, code, currency, kind, may, minor in rows}


_ACCOUNT_FIELDS = ["id", "code", "currency", "kind", "may_go_negative", "balance_minor"]


def _move_balances(net: dict[str, int], accounts: dict[str, Account]) -> None:
    """balance += net for every account whose balance moves, in one statement that first locks them
    in code order (its sub-SELECT ... ORDER BY code FOR NO KEY UPDATE: other entries' postings may still
    refer to them). An account whose balance does not move, such as store:sales that passes a sale's
    price on, is not locked at all. The database's no-overdraft check refuses a balance that may not go
    below zero: InsufficientFunds."""
    if not net:
        return
    codes = sorted(net)
    lock = connection.ops.for_update_sql(no_key=True) if connection.features.has_select_for_update else ""
    cases = " ".join(["WHEN %s THEN %s"] * len(codes))
    ids = ", ".join(["%s"] * len(codes))
    sql = (f"UPDATE ledger_account SET balance_minor = balance_minor + CASE id {cases} END "  # noqa: S608
           f"WHERE id IN (SELECT id FROM ledger_account WHERE id IN ({ids}) ORDER BY code {lock})")
    params = [value for code in codes for value in (accounts[code].pk, net[code])]
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params + [accounts[code].pk for code in codes])  # placeholders only, above
    except IntegrityError as refused:
        short = _overdrawn(net, accounts)
        if short is None:
            raise
        raise short from refused


def _overdrawn(net: dict[str, int], accounts: dict[str, Account]) -> InsufficientFunds | None:
    """The account the database would not take below zero, with its balance as read before the locks
    (the refusal aborted the transaction: nothing can be read now)."""
    short = [code for code in sorted(net) if net[code] < 0 and not accounts[code].may_go_negative]
    if not short:
        return None
    code = next((c for c in short if accounts[c].balance_minor + net[c] < 0), short[0])
    account = accounts[code]
    return InsufficientFunds(code, account.balance, Money(-net[code], account.currency))


def _new_account(code: str, currency: str) -> Account:
    kind = account_kind(code)
    return Account(code=code, currency=currency, kind=kind.name, may_go_negative=kind.may_go_negative)


def _check_reversed_entries(drafts: Sequence[EntryDraft]) -> None:
    reversed_ids = {draft.reverses for draft in drafts if draft.reverses is not None}
    found = set(Entry.objects.filter(pk__in=reversed_ids).values_list("pk", flat=True)) if reversed_ids else set()
    for draft in drafts:
        if draft.reverses is not None and draft.reverses not in found:
            raise UnknownEntry(f"entry {draft.key!r} refers to entry {draft.reverses}, which does not exist")


def _check_currencies(postings: Sequence[Posting], accounts: dict[str, Account]) -> None:
    for posting in postings:
        for code in (posting.debit, posting.credit):
            if accounts[code].currency != posting.amount.currency:
                raise CurrencyMismatch(
                    f"account {code} holds {accounts[code].currency}, the posting is in {posting.amount.currency}"
                )


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


class Reversal(NamedTuple):
    """A request to reverse entry `entry_id` under the idempotency key `key`."""

    entry_id: int
    key: str
    memo: str = ""


def reverse_entry(entry_id: int, key: str, memo: str = "") -> Entry:
    """Post a new entry with every posting of `entry_id` swapped, referencing it. Once per entry: a
    second reversal under another key raises AlreadyReversed; a repeat of the same key replays."""
    return reverse_entries([Reversal(entry_id, key, memo)])[0]


def reverse_entries(reversals: Sequence[Reversal]) -> list[Entry]:
    """reverse_entry for several entries at once (a refund of a whole order), all or none: their
    accounts are locked together, once, in code order, as post_entries does."""
    originals = Entry.objects.prefetch_related("postings__debit", "postings__credit").in_bulk(
        [r.entry_id for r in reversals])
    drafts = []
    for reversal in reversals:
        original = originals.get(reversal.entry_id)
        if original is None:
            raise UnknownEntry(f"there is no entry {reversal.entry_id} to reverse")
        earlier = original.reversals.filter(kind=REVERSAL_KIND).exclude(key=reversal.key).first()
        if earlier is not None:
            raise AlreadyReversed(f"entry {original.pk} was already reversed by entry {earlier.pk} ({earlier.key})")
        drafts.append(EntryDraft(
            key=reversal.key, kind=REVERSAL_KIND, reverses=original.pk,
            postings=tuple(Posting(p.debit.code, p.credit.code, p.amount).swapped() for p in original.postings.all()),
            memo=reversal.memo or f"reverses entry {original.pk} ({original.kind} {original.key})"))
    try:
        return post_entries(drafts)
    except IntegrityError:
        earlier = Entry.objects.filter(kind=REVERSAL_KIND, reverses__in=list(originals)).first()
        if earlier is None:
            raise
        raise AlreadyReversed(f"entry {earlier.reverses_id} was already reversed by entry {earlier.pk}") from None


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
