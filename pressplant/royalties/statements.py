"""Royalty statements: for one payee and one month, what the payee earned, as royalty statements show
it: one line per item, format, territory, price and role (the label's share, the artist's, the
mechanical, ...), with the units sold and returned in the month and the amount.

The lines are summed by the database from the sale parts (the frozen copy of each sale's split) in one
GROUP BY, however many sales the month holds; a refund counts as a unit returned in the month it was
made. The check comes from the ledger itself: `ledger_payables` sums the payable postings of the
period's sale and reversal entries in one GROUP BY, and `reconcile` says where the two disagree. They
must agree to the minor unit. Every single sale, with its date and transaction, is in the label's sales
report and DSR.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
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
    """A statement for every payee with a line in `period`, by payee code: one GROUP BY for all of them."""
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


_SUMMED = """
SELECT part.payee_code, MAX(part.payee_name), part.currency, line.track_id, line.release_id, line.format_name,
       o.territory, line.price_minor, line.vat_minor, part.role, part.basis, part.amount_minor,
       SUM(CASE WHEN e.kind = %s THEN 1 ELSE 0 END), SUM(CASE WHEN e.kind = %s THEN 0 ELSE 1 END)
FROM {entry} e
JOIN {line} line ON line.ledger_entry_id = COALESCE(e.reverses_id, e.id)
JOIN {order} o ON o.id = line.order_id
JOIN {part} part ON part.line_id = line.id
WHERE e.created_at >= %s AND e.created_at < %s AND e.kind IN (%s, %s) AND part.payee_code <> '' {only}
GROUP BY part.payee_code, part.currency, line.track_id, line.release_id, line.format_name, o.territory,
         line.price_minor, line.vat_minor, part.role, part.basis, part.amount_minor
"""
"""The period's payee parts summed per payee, item, format, territory, price and role. Only sale entries
are linked to order lines, so an entry that joins a line is its sale or the reversal of that sale."""


def _summed(period: Period, payee_code: str | None = None) -> list[tuple[str, str, StatementLine]]:
    """(payee code, recorded name, line) for the period, in statement order."""
    sql = _SUMMED.format(entry=Entry._meta.db_table, line=OrderLine._meta.db_table, order=Order._meta.db_table,
                         part=SalePart._meta.db_table, only="AND part.payee_code = %s" if payee_code else "")
    start, end = (connection.ops.adapt_datetimefield_value(moment) for moment in (period.starts_at, period.ends_at))
    params: list[Any] = [SALE_KIND, SALE_KIND, start, end, SALE_KIND, REVERSAL_KIND]
    with month_scan() as cursor:
        cursor.execute(sql, params + ([payee_code] if payee_code else []))
        rows = cursor.fetchall()
    return sorted(_lines(rows), key=_statement_order)


MONTH_SCAN_SETTINGS = {"jit": "off", "work_mem": "512MB"}
"""PostgreSQL settings for one query over a month's rows (they last until its transaction ends):
- jit: compiling such a query costs seconds (2.7 s of 13.6 s at a million lines) and saves less;
- work_mem: the query's hash joins fit in memory instead of 8-16 batches on disk, and its rows are grouped
  in a hash table instead of sorted on disk (the planner multiplies the distinct values of the grouped
  columns into millions of groups, so it thinks the table too big for less; there are thousands: a
  catalogue's items times formats, territories and prices, 22,000 groups and 107 MB at a million lines).
  The query uses what the month needs, not the limit."""


@contextmanager
def month_scan() -> Iterator[Any]:
    """A cursor for one query over a month's rows, with MONTH_SCAN_SETTINGS where the database has them."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name, value in MONTH_SCAN_SETTINGS.items():
                cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
        yield cursor


def _lines(rows: Sequence[tuple[Any, ...]]) -> list[tuple[str, str, StatementLine]]:
    tracks, releases = read_items({row[3] for row in rows} - {None}, {row[4] for row in rows} - {None})
    return [(code, name, StatementLine(tracks[track_id] if track_id is not None else releases[release_id],
                                       fmt, territory, currency, price, price - vat, role, basis, share, sold,
                                       returned))
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
SELECT a.code, a.currency, SUM(moves.delta_minor)
FROM (
    SELECT p.credit_id AS account_id, p.amount_minor AS delta_minor, p.entry_id FROM {posting} p
    WHERE p.credit_id IN (SELECT id FROM {account} WHERE kind = 'payable')
    UNION ALL
    SELECT p.debit_id AS account_id, -p.amount_minor AS delta_minor, p.entry_id FROM {posting} p
    WHERE p.debit_id IN (SELECT id FROM {account} WHERE kind = 'payable')
) moves
JOIN {account} a ON a.id = moves.account_id
JOIN {entry} e ON e.id = moves.entry_id
LEFT JOIN {entry} reversed ON reversed.id = e.reverses_id
WHERE e.created_at >= %s AND e.created_at < %s
  AND (e.kind = %s OR (e.kind = %s AND reversed.kind = %s))
GROUP BY a.code, a.currency
ORDER BY a.code
"""
"""The payable side of each posting, signed: only postings to or from a payable account are joined to
their entries (half of a sale's postings are the wallet's, VAT's and the store's)."""


def ledger_payables(period: Period) -> dict[tuple[str, str], Money]:
    """(payee code, currency) -> the net the ledger credited to `payable:<code>:<currency>` in the
    period's sale entries and reversals of sale entries: the figure statements must equal."""
    sql = _PAYABLE_MOVES.format(posting=Posting._meta.db_table, account=Account._meta.db_table,
                                entry=Entry._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    with month_scan() as cursor:
        cursor.execute(sql, [adapt(period.starts_at), adapt(period.ends_at), SALE_KIND, REVERSAL_KIND, SALE_KIND])
        rows = cursor.fetchall()
    return {(code.split(":")[1], currency): Money(int(total), currency) for code, currency, total in rows}


def reconcile(period: Period, found: list[Statement]) -> list[str]:
    """Where the statements and the ledger disagree, as sentences; empty when every total matches."""
    return differences(period, {(s.payee_code, currency): total for s in found
                                for currency, total in s.totals().items()})


def differences(period: Period, ours: dict[tuple[str, str], Money]) -> list[str]:
    """Where statement totals ((payee code, currency) -> total) and the ledger disagree, as sentences."""
    ledger = ledger_payables(period)
    problems = []
    for key in sorted(set(ours) | set(ledger)):
        mine = ours.get(key, Money.zero(key[1]))
        theirs = ledger.get(key, Money.zero(key[1]))
        if mine != theirs:
            problems.append(f"payee {key[0]}: the statement says {mine.format()}, "
                            f"the ledger's payable postings say {theirs.format()} for {period}")
    return problems
