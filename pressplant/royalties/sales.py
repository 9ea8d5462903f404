"""The period's sales and refunds as events: one per sale entry and one per reversal of a sale entry
posted in the period, each with its order line, the item sold and the line's sale parts.

The ledger says when a sale or a refund happened (its entry's `created_at`), so every report and the
ledger agree about which period a line belongs to: a refund appears in the month it was made, as a
negative line, whatever month the sale was in.

A month can hold a million lines, so events are read as a stream, oldest first, from one query: each
event with its line and the line's parts (as JSON, made by the database), fetched in chunks through a
server-side cursor where the database has one; items are read the first time they are met. Nothing is a
model instance, and equal part lists are one object, so whatever is worked out from a line's parts (the
payees' shares, the totals per role) is worked out once per kind of sale, not once per line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from pressplant.catalogue.models import Label, Release, Track
from pressplant.ledger.actions import REVERSAL_KIND
from pressplant.ledger.models import Entry
from pressplant.money import Money
from pressplant.orders.models import Order, OrderLine, SalePart
from pressplant.royalties.periods import Period

SALE_KIND = "sale"
"""The kind of the one ledger entry each order line is posted as."""

CHUNK_EVENTS = 5_000
"""Events fetched at a time; items not met before are read in one query per chunk."""


@dataclass(frozen=True, slots=True)
class Item:
    """What was sold, as reports name it."""

    kind: str
    """"track" or "release"."""
    title: str
    artist: str
    isrc: str
    upc: str
    release_id: int
    release_title: str
    label_id: int | None
    label_name: str


@dataclass(frozen=True, slots=True)
class SoldLine:
    """The order line behind an event, as reports read it."""

    pk: int
    track_id: int | None
    release_id: int | None
    format_name: str
    list_price_minor: int
    price_minor: int
    """What was charged, VAT included."""
    vat_minor: int
    vat_rate: Decimal
    currency: str
    territory: str
    """The order's territory: where the sale took place."""


@dataclass(frozen=True, slots=True)
class SoldPart:
    """One sale part of a line: where some of its price went."""

    role: str
    payee_code: str
    payee_name: str
    basis: str
    amount_minor: int


@dataclass(eq=False, slots=True)
class LineParts:
    """A line's sale parts in the order they were written. Lines with equal parts share one LineParts, so
    `shares()` and `total()` are worked out once per kind of sale, not once per line."""

    parts: tuple[SoldPart, ...]
    _shares: dict[str, Share] | None = field(default=None, repr=False)
    _totals: dict[tuple[str, ...], int] = field(default_factory=dict, repr=False)

    def shares(self) -> dict[str, Share]:
        """Payee code -> what the line gave that payee (a payee may hold more than one part)."""
        if self._shares is None:
            by_payee: dict[str, list[SoldPart]] = {}
            for part in self.parts:
                if part.payee_code:
                    by_payee.setdefault(part.payee_code, []).append(part)
            self._shares = {code: Share.of(parts) for code, parts in by_payee.items()}
        return self._shares

    def total(self, roles: tuple[str, ...]) -> int:
        """The parts of these roles, summed (minor units, as sold)."""
        if roles not in self._totals:
            self._totals[roles] = sum(p.amount_minor for p in self.parts if p.role in roles)
        return self._totals[roles]

    def names(self, roles: tuple[str, ...]) -> list[str]:
        """The payee names of the parts of these roles, sorted, each once."""
        return sorted({p.payee_name for p in self.parts if p.role in roles})


@dataclass(frozen=True, slots=True)
class Share:
    """What one line gave one payee: the payee's name as the sale recorded it, its roles and bases."""

    payee_name: str
    roles: str
    """Roles in part order, each once: "label", "artist, mechanical"."""
    basis: str
    """The parts' non-empty bases in part order, each once, joined by "; "."""
    amount_minor: int

    @classmethod
    def of(cls, parts: Sequence[SoldPart]) -> Share:
        return cls(parts[0].payee_name, ", ".join(dict.fromkeys(p.role for p in parts)),
                   "; ".join(b for b in dict.fromkeys(p.basis for p in parts) if b),
                   sum(p.amount_minor for p in parts))


@dataclass(frozen=True, slots=True)
class SaleEvent:
    """A sale (units +1) or the refund of one (units -1), dated by its ledger entry."""

    entry_id: int
    at: datetime
    at_text: str
    """The same instant as naive UTC text, "2026-11-03 10:00:00.500000": what reports print is cut from it."""
    units: int
    line: SoldLine
    item: Item
    parts: LineParts

    @property
    def is_refund(self) -> bool:
        return self.units < 0

    @property
    def transaction_id(self) -> str:
        return f"{'refund' if self.is_refund else 'sale'}-{self.line.pk}"

    @property
    def territory(self) -> str:
        return self.line.territory

    @property
    def gross(self) -> Money:
        """The price paid, VAT included; negative for a refund."""
        return Money(self.units * self.line.price_minor, self.line.currency)

    @property
    def vat(self) -> Money:
        return Money(self.units * self.line.vat_minor, self.line.currency)

    @property
    def ex_vat(self) -> Money:
        return Money(self.units * (self.line.price_minor - self.line.vat_minor), self.line.currency)

    @property
    def is_upgrade(self) -> bool:
        """Bought for less than the list price because the buyer owned the item in another format."""
        return self.line.price_minor < self.line.list_price_minor


def sale_events(period: Period, *, label: Label | None = None, payee_code: str | None = None) -> list[SaleEvent]:
    """Every sale and refund posted in `period`, oldest first; only the label's items when `label` is
    given, only lines that paid `payee_code` something when it is given."""
    return list(stream_events(period, label=label, payee_code=payee_code))


def stream_events(period: Period, *, label: Label | None = None, payee_code: str | None = None
                  ) -> Iterator[SaleEvent]:
    """sale_events() as a stream: a handful of queries per CHUNK_EVENTS events, whatever their number."""
    sql, params = _events_sql(period, _only(label, payee_code))
    reader = _Reader()
    with _streaming_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK_EVENTS):
            yield from reader.events(rows)


_EVENTS = """
SELECT ev.entry_id, {created_at}, ev.units, l.id, l.track_id, l.release_id, l.format_name,
       l.list_price_minor, l.price_minor, l.vat_minor, CAST(l.vat_rate AS TEXT), l.currency, o.territory,
       {parts}
FROM (
    SELECT e.id AS entry_id, e.created_at, 1 AS units, e.id AS sale_id
    FROM {entry} e
    WHERE e.kind = %s AND e.created_at >= %s AND e.created_at < %s
    UNION ALL
    SELECT e.id, e.created_at, -1, e.reverses_id
    FROM {entry} e JOIN {entry} sale ON sale.id = e.reverses_id
    WHERE e.kind = %s AND sale.kind = %s AND e.created_at >= %s AND e.created_at < %s
) ev
JOIN {line} l ON l.ledger_entry_id = ev.sale_id
JOIN {order} o ON o.id = l.order_id
{only}
ORDER BY ev.created_at, ev.entry_id
"""
"""The period's events with their lines, oldest first."""

_UTC_TEXT = {"postgresql": "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')", "sqlite": "CAST({} AS TEXT)"}
"""A time as naive UTC text, "2026-11-03 10:00:00.500000" (SQLite stores them so; the cast keeps its
converter away): read as text, a million of them cost no driver's datetime loader each."""

_PARTS_JSON = {
    "postgresql": "(SELECT json_agg(ARRAY[p.role, p.payee_code, p.payee_name, p.basis, p.amount_minor::text] "
                  "ORDER BY p.id)::text FROM {part} p WHERE p.line_id = l.id)",
    "sqlite": "(SELECT json_group_array(json_array(p.role, p.payee_code, p.payee_name, p.basis, p.amount_minor)) "
              "FROM (SELECT * FROM {part} WHERE line_id = l.id ORDER BY id) p)",
}
"""The line's sale parts in the order they were written, as one JSON array of
[role, payee code, payee name, basis, amount_minor]: a line's parts come with it, in one row. (JSON: any
text survives it; PostgreSQL's arrays of text cost less to make than json_build_array's.)"""


def _only(label: Label | None, payee_code: str | None) -> QuerySet[OrderLine] | None:
    """The lines the events are limited to: the label's items, the lines that paid the payee; or None."""
    if label is None and payee_code is None:
        return None
    lines = OrderLine.objects.all()
    if label is not None:
        lines = lines.filter(Q(track__release__label=label) | Q(release__label=label))
    if payee_code is not None:
        lines = lines.filter(pk__in=SalePart.objects.filter(payee_code=payee_code).values("line_id"))
    return lines


def _events_sql(period: Period, only: QuerySet[OrderLine] | None) -> tuple[str, list[Any]]:
    only_sql, only_params = only.values("pk").query.sql_with_params() if only is not None else ("", ())
    start, end = (connection.ops.adapt_datetimefield_value(moment) for moment in (period.starts_at, period.ends_at))
    sql = _EVENTS.format(entry=Entry._meta.db_table, line=OrderLine._meta.db_table, order=Order._meta.db_table,
                         only=f"WHERE l.id IN ({only_sql})" if only is not None else "",
                         created_at=_UTC_TEXT[connection.vendor].format("ev.created_at"),
                         parts=_PARTS_JSON[connection.vendor].format(part=SalePart._meta.db_table))
    return sql, [SALE_KIND, start, end, REVERSAL_KIND, SALE_KIND, start, end, *only_params]


def _streaming_cursor() -> Any:
    """A server-side cursor where the database has one (unless settings turn them off), else a plain one."""
    if connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
        return connection.cursor()
    return connection.chunked_cursor()


class _Reader:
    """Turns rows of _EVENTS into events; reads the chunk's items not met before."""

    def __init__(self) -> None:
        self.tracks: dict[int, Item] = {}
        self.releases: dict[int, Item] = {}
        self.parts: dict[str, LineParts] = {}
        self.known_parts: dict[tuple[SoldPart, ...], LineParts] = {}
        self.rates: dict[str, Decimal] = {}

    def events(self, rows: Sequence[tuple[Any, ...]]) -> Iterator[SaleEvent]:
        self._items({row[4] for row in rows} - {None} - set(self.tracks),
                    {row[5] for row in rows} - {None} - set(self.releases))
        for entry_id, at, units, line_id, track_id, release_id, fmt, list_price, price, vat, rate, currency, \
                territory, parts in rows:
            line = SoldLine(line_id, track_id, release_id, fmt, list_price, price, vat, self._rate(rate), currency,
                            territory)
            item = self.tracks[track_id] if track_id is not None else self.releases[release_id]
            parts = parts or "[]"  # PostgreSQL's json_agg of no rows is NULL
            yield SaleEvent(entry_id, _moment(at), at, units, line, item, self.parts.get(parts) or self._parts(parts))

    def _parts(self, text: str) -> LineParts:
        """The parts a JSON array names, as the one LineParts of equal parts."""
        parts = tuple(SoldPart(role, code, name, basis, int(amount))
                      for role, code, name, basis, amount in json.loads(text))
        known = self.known_parts.get(parts) or self.known_parts.setdefault(parts, LineParts(parts))
        self.parts[text] = known
        return known

    def _items(self, track_ids: Iterable[int], release_ids: Iterable[int]) -> None:
        tracks, releases = read_items(track_ids, release_ids)
        self.tracks.update(tracks)
        self.releases.update(releases)

    def _rate(self, text: str) -> Decimal:
        rate = self.rates.get(text)
        if rate is None:
            rate = self.rates[text] = Decimal(text)
        return rate


def read_items(track_ids: Iterable[int], release_ids: Iterable[int]) -> tuple[dict[int, Item], dict[int, Item]]:
    """The tracks and releases as reports name them, by id: two queries."""
    tracks, releases = {}, {}
    for track in Track.objects.filter(pk__in=list(track_ids)).select_related("release__label"):
        release = track.release
        tracks[track.pk] = Item("track", track.title, track.artist_display, track.isrc, release.upc, release.pk,
                                release.title, release.label_id, _label_name(release))
    for release in Release.objects.filter(pk__in=list(release_ids)).select_related("label"):
        releases[release.pk] = Item("release", release.title, release.artist_display, "", release.upc, release.pk,
                                    release.title, release.label_id, _label_name(release))
    return tracks, releases


def _label_name(release: Release) -> str:
    return release.label.name if release.label else ""


def _moment(text: str) -> datetime:
    """Naive UTC text ("2026-11-03 10:00:00.500000", see _UTC_TEXT) as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
