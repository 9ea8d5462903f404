"""Royalty statements: for one payee and one month, what the payee earned, as royalty statements show
it: one line per item, format, territory, price and role (the label's share, the artist's, the
mechanical, ...), with the units sold and returned in the month and the amount.

The lines come from the sale parts (the frozen copy of each sale's split): the database counts the month's
sales in one GROUP BY per item, format, territory, price and parts_key (lines split alike), however many
sales the month holds, and each group's parts are read from one of its lines; a refund counts as a unit
returned in the month it was made. The check comes from the ledger itself: `ledger_payables` sums the
payable postings of the period's sale and reversal entries in one GROUP BY, and `reconcile` says where the
two disagree. They must agree to the minor unit; `ledger_alongside` runs the two month-wide reads at once,
in one snapshot, on PostgreSQL. Every single sale, with its date and transaction, is in the label's sales
report and DSR.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from pressplant.ledger.actions import REVERSAL_KIND
from pressplant.ledger.models import Account, Entry, Posting
from pressplant.money import Money
from pressplant.orders.models import Order, OrderLine, SalePart
from pressplant.rights.models import Payee
from pressplant.royalties.periods import Period
from pressplant.royalties.sales import SALE_KIND, Item, read_items

ROLE_ORDER = ("label", "artist", "publisher", "mechanical", "society", "other")
"""The order of a payee's roles within one item's lines."""


@dataclass(frozen=True, slots=True)
class StatementLine:
    """What one payee earned in the period from one item, in one format, territory, price and role."""

    item: Item
    format_name: str
    territory: str
    """Where the sales took place (the orders' territory)."""
    currency: str
    price_minor: int
    """What the buyer paid for one, VAT included (less than the list price for an upgrade)."""
    ex_vat_minor: int
    """The same without VAT: what royalties are computed on."""
    role: str
    """What the payee was paid as: "label", "artist", "mechanical", ..."""
    basis: str
    """How the payee's share was computed, as the sale recorded it."""
    share_minor: int
    """The payee's share of one unit."""
    sold: int
    returned: int
    """Units refunded in the period (sold in it or before)."""

    @property
    def units(self) -> int:
        """Units sold less units returned."""
        return self.sold - self.returned

    @property
    def amount(self) -> Money:
        """The payee's earnings from this line: net units times the share of one (negative when returns win)."""
        return Money(self.units * self.share_minor, self.currency)

    @property
    def gross(self) -> Money:
        """The net units' price paid, VAT included."""
        return Money(self.units * self.price_minor, self.currency)

    @property
    def ex_vat(self) -> Money:
        """The net units' price without VAT: the revenue the share was computed on."""
        return Money(self.units * self.ex_vat_minor, self.currency)


@dataclass(frozen=True, slots=True)
class Statement:
    payee_code: str
    payee_name: str
    email: str
    period: Period
    lines: tuple[StatementLine, ...]

    def totals(self) -> dict[str, Money]:
        """The amount per currency, sales less refunds."""
        return _sum_by_currency(line.amount for line in self.lines)

    def line_counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for line in self.lines:
            counts[line.currency] += 1
        return dict(sorted(counts.items()))


def statement_lines(payee: Payee | str, period: Period) -> list[StatementLine]:
    """The payee's lines in `period` (one statement's lines), in statement order."""
    code = payee.code if isinstance(payee, Payee) else payee
    return [line for _, _, line in _summed(period, code)]


def statements(period: Period) -> list[Statement]:
    """A statement for every payee with a line in `period`, by payee code: one month-wide read for all."""
    by_payee: dict[str, list[StatementLine]] = defaultdict(list)
    names: dict[str, str] = {}
    for code, name, line in _summed(period):
        by_payee[code].append(line)
        names.setdefault(code, name)
    payees = Payee.objects.in_bulk(list(by_payee), field_name="code")
    return [Statement(code, *payee_contact(payees.get(code), names[code]), period, tuple(by_payee[code]))
            for code in sorted(by_payee)]


def payee_contact(payee: Payee | None, recorded_name: str) -> tuple[str, str]:
    """(name, email) a statement is addressed to: the Payee row's, else the name the sale recorded."""
    return (payee.name, payee.email) if payee is not None else (recorded_name, "")


_ALIKE = """
SELECT line.track_id, line.release_id, line.format_name, o.territory, line.price_minor, line.vat_minor,
       MIN(line.id), SUM(CASE WHEN e.kind = %s THEN 1 ELSE 0 END), SUM(CASE WHEN e.kind = %s THEN 0 ELSE 1 END)
FROM {entry} e
JOIN {line} line ON line.ledger_entry_id = COALESCE(e.reverses_id, e.id)
JOIN {order} o ON o.id = line.order_id
WHERE e.created_at >= %s AND e.created_at < %s AND e.kind IN (%s, %s) {only}
GROUP BY line.track_id, line.release_id, line.format_name, o.territory, line.price_minor, line.vat_minor,
         line.parts_key
"""
"""The period's sales and refunds counted per item, format, territory, price and parts_key (lines split
alike), with one line of each such group: (track, release, format, territory, price, VAT, line id, sold,
returned); for one payee's statement, only the lines that paid the payee. Only sale entries are linked to
order lines, so an entry that joins a line is its sale or the reversal of that sale."""

_ONE_PAYEE = "AND line.id IN (SELECT line_id FROM {part} WHERE payee_code = %s)"
"""For one payee's statement: the lines with a part of theirs."""

PARTS_READ_AT_ONCE = 5_000
"""Lines whose parts one query reads (SQLite takes at most 32,766 parameters)."""


def _summed(period: Period, payee_code: str | None = None) -> list[tuple[str, str, StatementLine]]:
    """(payee code, recorded name, line) for the period, in statement order: the month's lines counted in
    groups split alike by one GROUP BY, then each group's payee parts, read from one of its lines, summed per
    statement line (groups of different splits may give the same statement line: a payee's share of a sale
    is often the same under two splits)."""
    only = _ONE_PAYEE.format(part=SalePart._meta.db_table) if payee_code is not None else ""
    sql = _ALIKE.format(entry=Entry._meta.db_table, line=OrderLine._meta.db_table, order=Order._meta.db_table,
                        only=only)
    start, end = (connection.ops.adapt_datetimefield_value(moment) for moment in (period.starts_at, period.ends_at))
    with month_scan() as cursor:
        cursor.execute(sql, [SALE_KIND, SALE_KIND, start, end, SALE_KIND, REVERSAL_KIND]
                       + ([payee_code] if payee_code is not None else []))
        groups = cursor.fetchall()
    parts = _payee_parts([group[6] for group in groups], payee_code)
    summed: dict[tuple[Any, ...], list[Any]] = {}
    for track_id, release_id, fmt, territory, price, vat, line_id, sold, returned in groups:
        for code, name, currency, role, basis, share in parts.get(line_id, ()):
            key = (code, currency, track_id, release_id, fmt, territory, price, vat, role, basis, share)
            found = summed.setdefault(key, [name, 0, 0])
            found[0], found[1], found[2] = max(found[0], name), found[1] + sold, found[2] + returned
    rows = [(code, name, currency, track_id, release_id, fmt, territory, price, vat, role, basis, share, sold,
             returned) for (code, currency, track_id, release_id, fmt, territory, price, vat, role, basis, share),
            (name, sold, returned) in summed.items()]
    return sorted(_lines(rows), key=_statement_order)


def _payee_parts(line_ids: list[int], payee_code: str | None) -> dict[int, list[tuple[Any, ...]]]:
    """Line id -> its parts that pay a payee (`payee_code`'s alone, if given): (code, name, currency, role,
    basis, amount)."""
    found: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for first in range(0, len(line_ids), PARTS_READ_AT_ONCE):
        parts = SalePart.objects.filter(line_id__in=line_ids[first:first + PARTS_READ_AT_ONCE]).exclude(payee_code="")
        if payee_code is not None:
            parts = parts.filter(payee_code=payee_code)
        for line_id, *part in parts.order_by().values_list("line_id", "payee_code", "payee_name", "currency", "role",
                                                           "basis", "amount_minor"):
            found[line_id].append(tuple(part))
    return found


MONTH_SCAN_SETTINGS = {"jit": "off", "work_mem": "512MB"}
"""PostgreSQL settings for one query over a month's rows (month_scan() restores the previous values after it):
- jit: compiling such a query costs seconds (2.7 s of 13.6 s at a million lines) and saves less;
- work_mem: the query's hash joins fit in memory instead of batches on disk, and its rows are grouped in a
  hash table instead of sorted on disk (the planner multiplies the distinct values of the grouped columns
  into a million groups; there are thousands: 8,120 groups and 160 MB of hash tables at a million lines).
  The query uses what the month needs, not the limit."""


@contextmanager
def month_scan() -> Iterator[Any]:
    """A cursor for one query over a month's rows, with MONTH_SCAN_SETTINGS where the database has them,
    and the settings as they were afterwards (a caller's transaction, such as ledger_alongside's, goes on
    with its own)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            yield cursor
            return
        names = list(MONTH_SCAN_SETTINGS)
        cursor.execute("SELECT " + ", ".join(["current_setting(%s)"] * len(names)), names)
        before = dict(zip(names, cursor.fetchone(), strict=True))
        _set_locally(cursor, MONTH_SCAN_SETTINGS)
        yield cursor
        _set_locally(cursor, before)  # after an error, rolling the savepoint back restores them


def _set_locally(cursor: Any, settings: dict[str, str]) -> None:
    """Set these settings until the transaction ends, in one statement."""
    cursor.execute("SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(settings)),
                   [v for pair in settings.items() for v in pair])


def _lines(rows: Sequence[tuple[Any, ...]]) -> list[tuple[str, str, StatementLine]]:
    tracks, releases = read_items({row[3] for row in rows} - {None}, {row[4] for row in rows} - {None})
    return [(code, name, StatementLine(tracks[track_id] if track_id is not None else releases[release_id],
                                       fmt, territory, currency, price, price - vat, role, basis, share, int(sold),
                                       int(returned)))
            for code, name, currency, track_id, release_id, fmt, territory, price, vat, role, basis, share, sold,
            returned in rows]


def _statement_order(found: tuple[str, str, StatementLine]) -> tuple[Any, ...]:
    """By payee, currency, release, the release before its tracks, title, format, territory, price, role."""
    code, _, line = found
    item = line.item
    role = ROLE_ORDER.index(line.role) if line.role in ROLE_ORDER else len(ROLE_ORDER)
    return (code, line.currency, item.release_title.casefold(), item.release_id, item.kind != "release",
            item.title.casefold(), item.isrc, line.format_name, line.territory, -line.price_minor, role, line.role,
            line.basis, line.share_minor)


def _sum_by_currency(amounts: Iterable[Money]) -> dict[str, Money]:
    totals: dict[str, Money] = {}
    for amount in amounts:
        totals[amount.currency] = totals.get(amount.currency, Money.zero(amount.currency)) + amount
    return dict(sorted(totals.items()))


_PAYABLE_MOVES = """
SELECT p.debit_id, p.credit_id, SUM(p.amount_minor)
FROM {posting} p
JOIN {entry} e ON e.id = p.entry_id
LEFT JOIN {entry} reversed ON reversed.id = e.reverses_id
WHERE (p.credit_id IN (SELECT id FROM {account} WHERE kind = 'payable')
       OR p.debit_id IN (SELECT id FROM {account} WHERE kind = 'payable'))
  AND e.created_at >= %s AND e.created_at < %s AND (e.kind = %s OR (e.kind = %s AND reversed.kind = %s))
GROUP BY p.debit_id, p.credit_id
"""
"""The period's postings to or from a payable account, summed per (debit, credit) pair of accounts: one
pass over the postings (half of a sale's postings, the wallet's, VAT's and the store's, are left out before
the join to their entries)."""


def ledger_payables(period: Period) -> dict[tuple[str, str], Money]:
    """(payee code, currency) -> the net the ledger credited to `payable:<code>:<currency>` in the
    period's sale entries and reversals of sale entries: the figure statements must equal."""
    sql = _PAYABLE_MOVES.format(posting=Posting._meta.db_table, account=Account._meta.db_table,
                                entry=Entry._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    with month_scan() as cursor:
        cursor.execute(sql, [adapt(period.starts_at), adapt(period.ends_at), SALE_KIND, REVERSAL_KIND, SALE_KIND])
        pairs = cursor.fetchall()
    payable = {pk: (code.split(":")[1], currency) for pk, code, currency in Account.objects.filter(
        kind="payable", pk__in={pk for pair in pairs for pk in pair[:2]}).values_list("pk", "code", "currency")}
    net: dict[tuple[str, str], int] = defaultdict(int)
    for debit_id, credit_id, total in pairs:
        if credit_id in payable:
            net[payable[credit_id]] += int(total)
        if debit_id in payable:
            net[payable[debit_id]] -= int(total)
    return {key: Money(minor, key[1]) for key, minor in sorted(net.items())}


@contextmanager
def ledger_alongside(period: Period) -> Iterator[Callable[[], dict[tuple[str, str], Money]]]:
    """What is read in this block and the ledger's payable figures for `period` (the function yielded gives
    them), from one moment of the database.

    On PostgreSQL the block runs in one REPEATABLE READ transaction whose snapshot a second connection imports
    (pg_export_snapshot, as pg_dump's parallel workers do) to sum the ledger in a thread meanwhile: the two
    month-wide scans run on two cores at once, and a purchase made in between is in neither. Elsewhere, or
    inside a transaction already open, the ledger is summed when the function is called."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield lambda: ledger_payables(period)
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        [snapshot] = cursor.fetchone()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger-check") as pool:
            figures = pool.submit(_ledger_payables_in, snapshot, period)
            yield figures.result  # the pool is waited for before the snapshot's transaction ends


_SNAPSHOT_ID = re.compile(r"[0-9A-F]+-[0-9A-F]+-[0-9]+")


def _ledger_payables_in(snapshot: str, period: Period) -> dict[tuple[str, str], Money]:
    """ledger_payables(period) on this thread's own connection, in the exported `snapshot`."""
    if not _SNAPSHOT_ID.fullmatch(snapshot):  # SET takes no parameters: the id is written into the statement
        raise ValueError(f"not a snapshot id: {snapshot!r}")
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            return ledger_payables(period)
    finally:
        connection.close()


def reconcile(period: Period, found: list[Statement]) -> list[str]:
    """Where the statements and the ledger disagree, as sentences; empty when every total matches."""
    return differences(period, {(s.payee_code, currency): total for s in found
                                for currency, total in s.totals().items()})


def differences(period: Period, ours: dict[tuple[str, str], Money],
                ledger: dict[tuple[str, str], Money] | None = None) -> list[str]:
    """Where statement totals ((payee code, currency) -> total) and the ledger's figures (ledger_payables,
    read here unless given) disagree, as sentences."""
    ledger = ledger_payables(period) if ledger is None else ledger
    problems = []
    for key in sorted(set(ours) | set(ledger)):
        mine = ours.get(key, Money.zero(key[1]))
        theirs = ledger.get(key, Money.zero(key[1]))
        if mine != theirs:
            problems.append(f"payee {key[0]}: the statement says {mine.format()}, "
                            f"the ledger's payable postings say {theirs.format()} for {period}")
    return problems
