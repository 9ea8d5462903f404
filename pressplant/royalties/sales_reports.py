"""A label's sales report as a CSV in the shape labels know from Bandcamp's sales report: one row per sale
or refund of the label's items in a month, with the price, the tax, the collecting society's share, what
the store kept and the net amount the label's payees earned.

Columns follow Bandcamp's names where the meaning is the same. Differences, on purpose:
- "item price" and "sub total" are the price without VAT (royalties are computed on it), "item total" the
  price paid; VAT is "marketplace tax" (collected and remitted by the store, never paid out);
- "seller tax", "shipping" and "transaction fee" stay empty (the store charges the label no fees; a
  wallet purchase has no card fee), "store share" is the store's margin;
- a refund is its own row, "item type" refund, quantity -1 and negative amounts, dated when it was made.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from pressplant.accounts.countries import find_country
from pressplant.catalogue.models import Label
from pressplant.royalties.documents import Texts, TextSink, csv_cells
from pressplant.royalties.dsr import LABEL_SHARE_ROLES
from pressplant.royalties.periods import Period
from pressplant.royalties.sales import Item, LineParts, SaleEvent, stream_events

SALES_REPORT_COLUMNS = (
    "date", "paid to", "item type", "item name", "artist", "currency", "item price", "quantity",
    "discount code", "sub total", "additional fan contribution", "tax rate", "seller tax", "marketplace tax",
    "collection society share", "shipping", "transaction fee", "fee type", "store share", "item total",
    "amount you received", "net amount", "package", "option", "release", "catalog number", "upc", "isrc",
    "country", "country code", "transaction id", "order line id",
)  # fmt: skip


def sales_report_csv(label: Label, period: Period) -> str:
    """The label's sales and refunds in `period` as CSV text (header row included even when empty)."""
    out = io.StringIO()
    report = SalesReportWriter(out)
    for event in stream_events(period, label=label):
        report.add(event)
    return out.getvalue()


class SalesReportWriter:
    """A label's sales report written a row at a time, oldest first. A row is the event's date, then cells
    that every sale of the same item, format, price, place and split prints alike (made once), then its
    transaction and line ids."""

    def __init__(self, out: TextSink, texts: Texts | None = None) -> None:
        self.out = out
        self.out.write(csv_cells(SALES_REPORT_COLUMNS) + "\r\n")
        self.texts = texts or Texts()
        self.alike: dict[tuple[Any, ...], tuple[LineParts, Item, str]] = {}

    def add(self, event: SaleEvent) -> None:
        line, at = event.line, event.at_text
        key = (id(event.parts), id(event.item), event.units, line.format_name, line.price_minor, line.vat_minor,
               line.vat_rate, line.currency, line.territory)
        known = self.alike.get(key)
        if known is None or known[0] is not event.parts or known[1] is not event.item:
            known = self.alike[key] = (event.parts, event.item, self._alike(event))
        # The date and the ids never need CSV quoting: digits, letters, "-", ":" and a space.
        self.out.write(f"{at[:10]} {at[11:19]},{known[2]},{event.transaction_id},{line.pk}\r\n")

    def _alike(self, event: SaleEvent) -> str:
        """The cells between the date and the transaction id."""
        line, item, units, parts = event.line, event.item, event.units, event.parts
        currency, ex_vat_each = line.currency, line.price_minor - line.vat_minor

        def amount(amount_minor: int) -> str:
            return self.texts.amount(amount_minor, currency)

        label = amount(units * parts.total(LABEL_SHARE_ROLES))
        return csv_cells((
            "; ".join(parts.names(LABEL_SHARE_ROLES)), "refund" if units < 0 else item.kind, item.title, item.artist,
            currency, amount(ex_vat_each), units, "", amount(units * ex_vat_each), "",
            _rate(line.vat_rate) if line.vat_minor else "", "", amount(units * parts.total(("vat",))),
            amount(units * parts.total(("mechanical",))), "", "", "", amount(units * parts.total(("store",))),
            amount(units * line.price_minor), label, label, "digital download", line.format_name, item.release_title,
            "", item.upc, item.isrc, _country(line.territory), line.territory,
        ))  # fmt: skip


def _rate(vat_rate: Decimal) -> str:
    """Decimal("0.2000") -> "20%"."""
    return f"{(Decimal(vat_rate) * 100).normalize():f}%"


def _country(code: str) -> str:
    found = find_country(code) if code else None
    return found.name if found else code
