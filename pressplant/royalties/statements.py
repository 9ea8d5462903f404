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
from pressplant.rights.models import Payee
from pressplant.royalties.periods import Period
from pressplant.royalties.sales import SALE_KIND, Item, SaleEvent, Share, stream_events


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One sale (units +1) or refund (units -1) as it touched one payee: the event, and the payee's share."""

    event: SaleEvent
    share: Share

    @property
    def roles(self) -> str:
        """What the payee was paid as: "label", "artist", "mechanical", ..."""
        return self.share.roles

    @property
    def basis(self) -> str:
        """How the amount was computed, as the sale recorded it."""
        return self.share.basis

    @property
    def amount(self) -> Money:
        """The payee's share, negative for a refund."""
        return Money(self.event.units * self.share.amount_minor, self.event.line.currency)

    @property
    def at(self) -> datetime:
        return self.event.at

    @property
    def line_id(self) -> int:
        return self.event.line.pk

    @property
    def transaction_id(self) -> str:
        return self.event.transaction_id

    @property
    def territory(self) -> str:
        return self.event.territory

    @property
    def item(self) -> Item:
        return self.event.item

    @property
    def format_name(self) -> str:
        return self.event.line.format_name

    @property
    def units(self) -> int:
        return self.event.units

    @property
    def gross(self) -> Money:
        """The price paid, VAT included (negative for a refund)."""
        return self.event.gross

    @property
    def ex_vat(self) -> Money:
        return self.event.ex_vat


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


def statement_line(event: SaleEvent, payee_code: str) -> StatementLine | None:
    """The event as the payee's statement shows it; None when none of the line's parts paid the payee."""
    share = event.parts.shares().get(payee_code)
    return StatementLine(event, share) if share is not None else None


def statement_lines(payee: Payee | str, period: Period) -> list[StatementLine]:
    """The payee's lines in `period`, oldest first (one statement's lines)."""
    code = payee.code if isinstance(payee, Payee) else payee
    found = (statement_line(event, code) for event in stream_events(period, payee_code=code))
    return [line for line in found if line is not None]


def statements(period: Period) -> list[Statement]:
    """A statement for every payee with a line in `period`, by payee code; one pass over the period."""
    by_payee: dict[str, list[StatementLine]] = defaultdict(list)
    names: dict[str, str] = {}
    for event in stream_events(period):
        for code, share in event.parts.shares().items():
            by_payee[code].append(StatementLine(event, share))
            names.setdefault(code, share.payee_name)
    payees = Payee.objects.in_bulk(list(by_payee), field_name="code")
    return [Statement(code, *payee_contact(payees.get(code), names[code]), period, tuple(by_payee[code]))
            for code in sorted(by_payee)]


def payee_contact(payee: Payee | None, recorded_name: str) -> tuple[str, str]:
    """(name, email) a statement is addressed to: the Payee row's, else the name the sale recorded."""
    return (payee.name, payee.email) if payee is not None else (recorded_name, "")


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
