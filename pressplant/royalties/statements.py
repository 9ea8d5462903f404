"""Royalty statements: for one payee and one month, every sale and refund that credited or debited the
payee's payable accounts, with the item, the price, the basis of the share and the amount.

The lines are read from the sale parts (the frozen copy of each sale's split), the check from the ledger
itself: `ledger_payables` sums the payable postings of the period's sale and reversal entries in one
GROUP BY, and `reconcile` says where the two disagree. They must agree to the minor unit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from pressplant.ledger.actions import REVERSAL_KIND
from pressplant.ledger.models import Account, Entry, Posting
from pressplant.money import Money
from pressplant.orders.models import SalePart
from pressplant.rights.models import Payee
from pressplant.royalties.periods import Period
from pressplant.royalties.sales import SALE_KIND, Item, SaleEvent, lines_in, sale_events


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One sale (units +1) or refund (units -1) as it touched one payee."""

    at: datetime
    line_id: int
    transaction_id: str
    territory: str
    item: Item
    format_name: str
    units: int
    gross: Money
    """The price paid, VAT included (negative for a refund)."""
    ex_vat: Money
    roles: str
    """What the payee was paid as: "label", "artist", "mechanical", ..."""
    basis: str
    """How the amount was computed, as the sale recorded it."""
    amount: Money


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
            counts[line.amount.currency] += 1
        return dict(sorted(counts.items()))


@dataclass(slots=True)
class _Share:
    """What one line's parts gave one payee (a payee may hold more than one part of a line)."""

    payee_name: str
    roles: list[str]
    bases: list[str]
    amount_minor: int


def statement_lines(payee: Payee | str, period: Period) -> list[StatementLine]:
    """The payee's lines in `period`, oldest first (one statement's lines)."""
    code = payee.code if isinstance(payee, Payee) else payee
    shares = _shares(period, payee_code=code)
    return [_line(event, shares[event.line.pk][code])
            for event in sale_events(period, payee_code=code) if code in shares.get(event.line.pk, {})]


def statements(period: Period) -> list[Statement]:
    """A statement for every payee with a line in `period`, by payee code; one pass over the period."""
    shares = _shares(period)
    by_payee: dict[str, list[StatementLine]] = defaultdict(list)
    names: dict[str, str] = {}
    for event in sale_events(period):
        for code, share in shares.get(event.line.pk, {}).items():
            by_payee[code].append(_line(event, share))
            names.setdefault(code, share.payee_name)
    payees = {p.code: p for p in Payee.objects.filter(code__in=list(by_payee))}
    return [
        Statement(code, payees[code].name if code in payees else names[code],
                  payees[code].email if code in payees else "", period, tuple(by_payee[code]))
        for code in sorted(by_payee)
    ]


def _shares(period: Period, payee_code: str | None = None) -> dict[int, dict[str, _Share]]:
    """line id -> payee code -> what the line's parts gave that payee, for the lines of the period."""
    lines = lines_in(period, payee_code=payee_code).values("pk")
    parts = SalePart.objects.filter(line__in=lines).exclude(payee_code="")
    if payee_code is not None:
        parts = parts.filter(payee_code=payee_code)
    shares: dict[int, dict[str, _Share]] = defaultdict(dict)
    rows = parts.order_by("line_id", "id").values_list("line_id", "payee_code", "payee_name", "role", "basis",
                                                       "amount_minor")
    for line_id, code, name, role, basis, amount_minor in rows:
        share = shares[line_id].setdefault(code, _Share(name, [], [], 0))
        share.roles.append(role)
        share.bases.append(basis)
        share.amount_minor += amount_minor
    return shares


def _line(event: SaleEvent, share: _Share) -> StatementLine:
    line = event.line
    return StatementLine(
        at=event.at, line_id=line.pk, transaction_id=event.transaction_id, territory=event.territory,
        item=event.item, format_name=line.format_name, units=event.units, gross=event.gross, ex_vat=event.ex_vat,
        roles=", ".join(dict.fromkeys(share.roles)), basis="; ".join(b for b in dict.fromkeys(share.bases) if b),
        amount=Money(event.units * share.amount_minor, line.currency),
    )  # fmt: skip


def _sum_by_currency(amounts: Iterable[Money]) -> dict[str, Money]:
    totals: dict[str, Money] = {}
    for amount in amounts:
        totals[amount.currency] = totals.get(amount.currency, Money.zero(amount.currency)) + amount
    return dict(sorted(totals.items()))


_PAYABLE_MOVES = """
SELECT a.code, a.currency, SUM(moves.delta_minor)
FROM (
    SELECT p.credit_id AS account_id, p.amount_minor AS delta_minor, p.entry_id FROM {posting} p
    UNION ALL
    SELECT p.debit_id AS account_id, -p.amount_minor AS delta_minor, p.entry_id FROM {posting} p
) moves
JOIN {account} a ON a.id = moves.account_id
JOIN {entry} e ON e.id = moves.entry_id
LEFT JOIN {entry} reversed ON reversed.id = e.reverses_id
WHERE a.kind = 'payable'
  AND e.created_at >= %s AND e.created_at < %s
  AND (e.kind = %s OR (e.kind = %s AND reversed.kind = %s))
GROUP BY a.code, a.currency
ORDER BY a.code
"""


def ledger_payables(period: Period) -> dict[tuple[str, str], Money]:
    """(payee code, currency) -> the net the ledger credited to `payable:<code>:<currency>` in the
    period's sale entries and reversals of sale entries: the figure statements must equal."""
    sql = _PAYABLE_MOVES.format(posting=Posting._meta.db_table, account=Account._meta.db_table,
                                entry=Entry._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(sql, [adapt(period.starts_at), adapt(period.ends_at), SALE_KIND, REVERSAL_KIND, SALE_KIND])
        rows = cursor.fetchall()
    return {(code.split(":")[1], currency): Money(int(total), currency) for code, currency, total in rows}


def reconcile(period: Period, found: list[Statement]) -> list[str]:
    """Where the statements and the ledger disagree, as sentences; empty when every total matches."""
    ours = {(s.payee_code, currency): total for s in found for currency, total in s.totals().items()}
    ledger = ledger_payables(period)
    problems = []
    for key in sorted(set(ours) | set(ledger)):
        mine = ours.get(key, Money.zero(key[1]))
        theirs = ledger.get(key, Money.zero(key[1]))
        if mine != theirs:
            problems.append(f"payee {key[0]}: the statement says {mine.format()}, "
                            f"the ledger's payable postings say {theirs.format()} for {period}")
    return problems
