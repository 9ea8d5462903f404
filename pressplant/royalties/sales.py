"""The period's sales and refunds as events: one per sale entry and one per reversal of a sale entry
posted in the period, each with its order line and the item sold.

The ledger says when a sale or a refund happened (its entry's `created_at`), so every report and the
ledger agree about which period a line belongs to: a refund appears in the month it was made, as a
negative line, whatever month the sale was in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from pressplant.catalogue.models import Label
from pressplant.ledger.actions import REVERSAL_KIND
from pressplant.ledger.models import Entry
from pressplant.money import Money
from pressplant.orders.models import OrderLine
from pressplant.royalties.periods import Period

SALE_KIND = "sale"
"""The kind of the one ledger entry each order line is posted as."""

_LINE_RELATIONS = ("order", "track", "track__release", "track__release__label", "release", "release__label")


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

    @classmethod
    def of(cls, line: OrderLine) -> Item:
        if line.track is not None:
            track, release = line.track, line.track.release
            return cls("track", track.title, track.artist_display, track.isrc, release.upc, release.pk,
                       release.title, release.label_id, release.label.name if release.label else "")
        sold = line.release
        assert sold is not None  # a line is a track or a release (a database constraint)
        return cls("release", sold.title, sold.artist_display, "", sold.upc, sold.pk, sold.title, sold.label_id,
                   sold.label.name if sold.label else "")


@dataclass(frozen=True, slots=True)
class SaleEvent:
    """A sale (units +1) or the refund of one (units -1), dated by its ledger entry."""

    entry_id: int
    at: datetime
    units: int
    line: OrderLine
    item: Item

    @property
    def is_refund(self) -> bool:
        return self.units < 0

    @property
    def transaction_id(self) -> str:
        return f"{'refund' if self.is_refund else 'sale'}-{self.line.pk}"

    @property
    def territory(self) -> str:
        return self.line.order.territory

    @property
    def gross(self) -> Money:
        """The price paid, VAT included; negative for a refund."""
        return Money(self.units * self.line.price_minor, self.line.currency)

    @property
    def vat(self) -> Money:
        return Money(self.units * self.line.vat_minor, self.line.currency)

    @property
    def ex_vat(self) -> Money:
        return self.gross - self.vat

    @property
    def is_upgrade(self) -> bool:
        """Bought for less than the list price because the buyer owned the item in another format."""
        return self.line.price_minor < self.line.list_price_minor


def sale_events(period: Period, *, label: Label | None = None, payee_code: str | None = None) -> list[SaleEvent]:
    """Every sale and refund posted in `period`, oldest first; only the label's items when `label` is
    given, only lines that paid `payee_code` something when it is given. A handful of queries whatever
    the number of lines (entries are matched to their lines by subqueries, never by lists of ids)."""
    sales, refunds = _entries(period)
    lines = {line.ledger_entry_id: line for line in lines_in(period, label=label, payee_code=payee_code)
             .select_related(*_LINE_RELATIONS)}
    events = [SaleEvent(entry_id, at, 1, lines[entry_id], Item.of(lines[entry_id]))
              for entry_id, at in sales.values_list("pk", "created_at") if entry_id in lines]
    events += [SaleEvent(entry_id, at, -1, lines[sale_id], Item.of(lines[sale_id]))
               for entry_id, at, sale_id in refunds.values_list("pk", "created_at", "reverses_id") if sale_id in lines]
    events.sort(key=lambda event: (event.at, event.entry_id))
    return events


def lines_in(period: Period, *, label: Label | None = None, payee_code: str | None = None) -> QuerySet[OrderLine]:
    """The order lines sold or refunded in `period` (a lazy query, usable as a subquery)."""
    sales, refunds = _entries(period)
    lines = OrderLine.objects.filter(
        Q(ledger_entry_id__in=sales.values("pk")) | Q(ledger_entry_id__in=refunds.values("reverses_id")))
    if label is not None:
        lines = lines.filter(Q(track__release__label=label) | Q(release__label=label))
    if payee_code is not None:
        lines = lines.filter(pk__in=OrderLine.objects.filter(parts__payee_code=payee_code).values("pk"))
    return lines


def labels_in(period: Period) -> QuerySet[Label]:
    """The labels whose items were sold or refunded in `period`, by name."""
    lines = lines_in(period)
    return Label.objects.filter(Q(pk__in=lines.values("track__release__label"))
                                | Q(pk__in=lines.values("release__label")))


def _entries(period: Period) -> tuple[QuerySet[Entry], QuerySet[Entry]]:
    """The sale entries and the reversals of sale entries posted in `period`."""
    entries = Entry.objects.filter(created_at__gte=period.starts_at, created_at__lt=period.ends_at)
    return entries.filter(kind=SALE_KIND), entries.filter(kind=REVERSAL_KIND, reverses__kind=SALE_KIND)
