"""A label's sales at a glance, for its dashboard: net units, gross takings and the label's earnings by day,
by format, by territory and by item, over a span of days; and the months it has reports for.

Every figure is summed by the database (GROUP BY), never by walking lines in Python, so the dashboard
stays quick with a hundred thousand lines (benchmarks/label_dashboard.py). A sale counts on the day its
order was placed, a refund as a negative on the day it was made (as statements count them). Money is
kept per currency: a row is one group in one currency, and nothing adds a pound to a euro.

"The label's earnings" are the sale parts paid to payees that belong to the label (`Payee.label`), on
the label's own items. Days are UTC days, as reporting periods are UTC months.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Generic, TypeVar

from django.db import connection
from django.db.models import FilteredRelation, Q
from django.db.models.functions import TruncMonth

from pressplant.catalogue.models import Label, Release, Track
from pressplant.money import Money
from pressplant.orders.models import Order, OrderLine, SalePart
from pressplant.rights.models import Payee
from pressplant.royalties.dsr import DsrFile, dsr_for_label
from pressplant.royalties.periods import Period
from pressplant.royalties.reports import store_party
from pressplant.royalties.sales_reports import sales_report_csv
from pressplant.royalties.statements import Statement, statement_lines

K = TypeVar("K")

TOP_ITEMS = 10
"""How many items the top-sellers table lists."""


@dataclass(frozen=True, slots=True)
class DaySpan:
    """Whole UTC days, `first_day` to `last_day` included."""

    first_day: date
    last_day: date

    @classmethod
    def last(cls, days: int, today: date) -> DaySpan:
        """The `days` days up to and including `today`."""
        return cls(today - timedelta(days=days - 1), today)

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.first_day, time.min, tzinfo=UTC)

    @property
    def ends_at(self) -> datetime:
        """The first instant after the span (exclusive bound)."""
        return datetime.combine(self.last_day + timedelta(days=1), time.min, tzinfo=UTC)

    def days(self) -> list[date]:
        return [self.first_day + timedelta(days=n) for n in range((self.last_day - self.first_day).days + 1)]


@dataclass(frozen=True, slots=True)
class Tally(Generic[K]):
    """One group's net sales in one currency: sales less refunds."""

    key: K
    currency: str
    units: int
    gross: Money
    """What buyers paid, VAT included."""
    earnings: Money
    """What the label's payees earned from it."""


@dataclass(frozen=True, slots=True)
class Item:
    """A track or a release, as the top-sellers table names it."""

    kind: str
    """"track" or "release"."""
    item_id: int
    title: str
    artist: str
    release_id: int


@dataclass(frozen=True, slots=True)
class Dashboard:
    label: Label
    span: DaySpan
    by_day: list[Tally[date]]
    by_format: list[Tally[str]]
    by_territory: list[Tally[str]]
    top_items: list[Tally[Item]]

    def totals(self) -> list[Tally[str]]:
        """One row per currency, keyed by the currency: the whole span's units, gross and earnings."""
        return _totals(self.by_day)

    @property
    def units(self) -> int:
        return sum(row.units for row in self.by_day)

    def units_per_day(self) -> dict[date, int]:
        """Net units per day, all currencies together (a unit is a unit whatever it was paid in)."""
        return dict(_units_by(self.by_day))

    def units_by_format(self) -> list[tuple[str, int]]:
        return _units_by(self.by_format)

    def units_by_territory(self) -> list[tuple[str, int]]:
        return _units_by(self.by_territory)


def _units_by(rows: Iterable[Tally[K]]) -> list[tuple[K, int]]:
    """(key, net units over every currency), most units first, keys in their first order among equals."""
    units: dict[K, int] = {}
    for row in rows:
        units[row.key] = units.get(row.key, 0) + row.units
    return sorted(units.items(), key=lambda pair: -pair[1])


_DAY_SQL = {"sqlite": "DATE({})", "postgresql": "CAST(({} AT TIME ZONE 'UTC') AS DATE)"}
"""The UTC day of a moment column, per database (SQLite keeps moments as UTC text)."""

_EVENTS_SQL = """
SELECT {day} AS day, l.format_name, o.territory, l.track_id, l.release_id, l.currency, {sign} AS units,
       {sign} * l.price_minor AS gross_minor,
       {sign} * COALESCE((SELECT SUM(p.amount_minor) FROM {part} p WHERE p.line_id = l.id
                          AND p.payee_code IN (SELECT y.code FROM {payee} y WHERE y.label_id = %s)), 0) AS earned_minor
FROM {line} l JOIN {order} o ON o.id = l.order_id
WHERE l.order_id IN (SELECT s.id FROM {order} s WHERE s.{at} >= %s AND s.{at} < %s)
  AND (l.track_id IN (SELECT t.id FROM {track} t JOIN {release} r ON r.id = t.release_id WHERE r.label_id = %s)
       OR l.release_id IN (SELECT r.id FROM {release} r WHERE r.label_id = %s))
"""
"""One row per sale (sign 1, dated by the order) or refund (sign -1, dated by the refund) of the label's
lines in the span, with what the label's payees got from the line. The orders of the span are found first
and their lines by index, never every line of the label (three times faster on SQLite)."""

_FIGURES_SQL = """
WITH events AS ({sales} UNION ALL {refunds})
SELECT 'day', CAST(day AS VARCHAR(10)), NULL, currency, SUM(units), SUM(gross_minor), SUM(earned_minor)
FROM events GROUP BY day, currency
UNION ALL
SELECT 'format', format_name, NULL, currency, SUM(units), SUM(gross_minor), SUM(earned_minor)
FROM events GROUP BY format_name, currency
UNION ALL
SELECT 'territory', territory, NULL, currency, SUM(units), SUM(gross_minor), SUM(earned_minor)
FROM events GROUP BY territory, currency
UNION ALL
SELECT 'item', CAST(track_id AS VARCHAR(20)), CAST(release_id AS VARCHAR(20)), currency, SUM(units),
       SUM(gross_minor), SUM(earned_minor)
FROM events GROUP BY track_id, release_id, currency
"""
"""Every figure of the dashboard in one statement: the span's events are read once (a CTE used four
times is materialized by SQLite and PostgreSQL alike) and summed four ways. One GROUP BY per table would
read the span eight times; one GROUP BY over all four keys returns about as many rows as lines."""

_Row = tuple[str, str | None, str | None, str, int, int, int]
"""(grouping, key, second key, currency, units, gross, earnings) as the statement returns them."""


def dashboard(label: Label, span: DaySpan) -> Dashboard:
    """The label's figures over `span`: one SQL statement, and one query for the top items' names."""
    rows: dict[str, list[_Row]] = defaultdict(list)
    for row in _figures(label, span):
        rows[row[0]].append(row)
    by_day = [_tally(date.fromisoformat(row[1] or ""), row) for row in rows["day"]]
    return Dashboard(label, span, sorted(by_day, key=lambda row: (row.key, row.currency)),
                     _largest_first([_tally(row[1] or "", row) for row in rows["format"]]),
                     _largest_first([_tally(row[1] or "", row) for row in rows["territory"]]),
                     _top_items(rows["item"]))


def _figures(label: Label, span: DaySpan) -> list[_Row]:
    tables = {"line": OrderLine, "order": Order, "part": SalePart, "payee": Payee, "track": Track, "release": Release}
    names = {key: connection.ops.quote_name(model._meta.db_table) for key, model in tables.items()}
    day = _DAY_SQL.get(connection.vendor, _DAY_SQL["postgresql"])
    sales = _EVENTS_SQL.format(day=day.format("o.created_at"), sign=1, at="created_at", **names)
    refunds = _EVENTS_SQL.format(day=day.format("o.refunded_at"), sign=-1, at="refunded_at", **names)
    adapt = connection.ops.adapt_datetimefield_value
    params = [label.pk, adapt(span.starts_at), adapt(span.ends_at), label.pk, label.pk]
    with connection.cursor() as cursor:
        cursor.execute(_FIGURES_SQL.format(sales=sales, refunds=refunds), params * 2)
        return [(kind, key, other, currency, int(units), int(gross), int(earned))
                for kind, key, other, currency, units, gross, earned in cursor.fetchall()]


def _tally(key: K, row: _Row) -> Tally[K]:
    currency = row[3]
    return Tally(key, currency, row[4], Money(row[5], currency), Money(row[6], currency))


def _largest_first(rows: list[Tally[K]]) -> list[Tally[K]]:
    return sorted(rows, key=lambda row: (-row.units, -row.gross.amount_minor, str(row.key), row.currency))


def _top_items(rows: list[_Row]) -> list[Tally[Item]]:
    top = _largest_first([_tally((_int_or_none(row[1]), _int_or_none(row[2])), row) for row in rows])[:TOP_ITEMS]
    tracks = Track.objects.in_bulk([row.key[0] for row in top if row.key[0] is not None])
    releases = Release.objects.in_bulk([row.key[1] for row in top if row.key[0] is None])
    return [Tally(_item(row.key, tracks, releases), row.currency, row.units, row.gross, row.earnings)
            for row in top]


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text is not None else None


def _item(key: tuple[int | None, int | None], tracks: dict[Any, Track], releases: dict[Any, Release]) -> Item:
    track_id, release_id = key
    if track_id is not None:
        track = tracks[track_id]
        return Item("track", track.pk, track.title, track.artist_display, track.release_id)
    release = releases[release_id]
    return Item("release", release.pk, release.title, release.artist_display, release.pk)


def _of_label(label: Label) -> Q:
    """Order lines of the label's tracks and releases."""
    return Q(track__release__label=label) | Q(release__label=label)


class UtcMonth(TruncMonth):
    """The first instant of a moment's UTC month. SQLite keeps moments as UTC text, so its own DATETIME()
    reads them; TruncMonth's portable form would call back into Python once a row."""

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, Any]:
        sql, params = compiler.compile(self.lhs)
        return f"DATETIME({sql}, 'start of month')", params


def _totals(rows: Iterable[Tally[Any]]) -> list[Tally[str]]:
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        found = sums[row.currency]
        found[0] += row.units
        found[1] += row.gross.amount_minor
        found[2] += row.earnings.amount_minor
    return [Tally(currency, currency, units, Money(gross, currency), Money(earned, currency))
            for currency, (units, gross, earned) in sorted(sums.items())]


@dataclass(frozen=True, slots=True)
class Month:
    """A month the label has reports for, and its payees with a statement line in it."""

    period: Period
    payees: list[Payee]


def report_months(label: Label) -> list[Month]:
    """The months, newest first, in which the label's items sold or were refunded, with the label's
    payees paid (or charged back) in each: the statements section's rows. Two queries: the label's lines
    by month, each LEFT JOINed to its parts that paid one of the label's payees."""
    months: dict[Period, set[str]] = defaultdict(set)
    payees = {payee.code: payee for payee in Payee.objects.filter(label=label)}
    paid_label = Q(parts__payee_code__in=list(payees))
    for at_field in ("order__created_at", "order__refunded_at"):
        rows = (OrderLine.objects.filter(_of_label(label), **{f"{at_field}__isnull": False})
                .annotate(label_parts=FilteredRelation("parts", condition=paid_label),
                          k_month=UtcMonth(at_field, tzinfo=UTC))
                .values_list("k_month", "label_parts__payee_code").distinct().order_by())
        for moment, code in rows:
            found = months[Period.containing(_as_utc(moment))]
            if code:
                found.add(code)
    return [Month(period, [payees[code] for code in sorted(codes) if code in payees])
            for period, codes in sorted(months.items(), reverse=True)]


def _as_utc(moment: date | datetime) -> datetime:
    """TruncMonth gives an aware datetime on PostgreSQL and may give a date elsewhere."""
    if isinstance(moment, datetime):
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.combine(moment, time.min, tzinfo=UTC)


def label_payee(label: Label, code: str) -> Payee:
    """One of the label's payees; Payee.DoesNotExist for any other code (another label's payee)."""
    return Payee.objects.get(label=label, code=code)


def payee_statement(payee: Payee, period: Period) -> Statement:
    """The payee's royalty statement for the month, as the royalties run writes it."""
    return Statement(payee.code, payee.name, payee.email, period, tuple(statement_lines(payee, period)))


def label_dsr(label: Label, period: Period, created_at: datetime) -> DsrFile | None:
    """The label's DDEX DSR for the month, sent by the store; None when nothing sold or was refunded."""
    return dsr_for_label(label, period, store_party(), created_at)


def label_sales_report(label: Label, period: Period) -> str:
    """The label's Bandcamp-style sales CSV for the month."""
    return sales_report_csv(label, period)
