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

from collections import defaultdict
from decimal import Decimal

from pressplant.accounts.countries import find_country
from pressplant.catalogue.models import Label
from pressplant.money import Money
from pressplant.orders.models import SalePart
from pressplant.royalties.documents import amount_text, csv_text
from pressplant.royalties.dsr import LABEL_SHARE_ROLES
from pressplant.royalties.periods import Period
from pressplant.royalties.sales import SaleEvent, lines_in, sale_events

SALES_REPORT_COLUMNS = (
    "date", "paid to", "item type", "item name", "artist", "currency", "item price", "quantity",
    "discount code", "sub total", "additional fan contribution", "tax rate", "seller tax", "marketplace tax",
    "collection society share", "shipping", "transaction fee", "fee type", "store share", "item total",
    "amount you received", "net amount", "package", "option", "release", "catalog number", "upc", "isrc",
    "country", "country code", "transaction id", "order line id",
)  # fmt: skip


def sales_report_csv(label: Label, period: Period) -> str:
    """The label's sales and refunds in `period` as CSV text (header row included even when empty)."""
    parts = _parts(label, period)
    return csv_text(SALES_REPORT_COLUMNS, (_row(event, parts.get(event.line.pk, {}))
                                           for event in sale_events(period, label=label)))


def _parts(label: Label, period: Period) -> dict[int, dict[str, list[tuple[str, int]]]]:
    """line id -> role -> [(payee name, amount_minor)] of the label's lines in the period."""
    parts: dict[int, dict[str, list[tuple[str, int]]]] = defaultdict(lambda: defaultdict(list))
    rows = SalePart.objects.filter(line__in=lines_in(period, label=label).values("pk")).order_by("line_id", "id")
    for line_id, role, name, amount_minor in rows.values_list("line_id", "role", "payee_name", "amount_minor"):
        parts[line_id][role].append((name, amount_minor))
    return parts


def _row(event: SaleEvent, parts: dict[str, list[tuple[str, int]]]) -> list[object]:
    line, item, units = event.line, event.item, event.units

    def total(*roles: str) -> str:
        minor = sum(amount for role in roles for _, amount in parts.get(role, []))
        return amount_text(Money(units * minor, line.currency))

    ex_vat_each = Money(line.price_minor - line.vat_minor, line.currency)
    paid_to = sorted({name for role in LABEL_SHARE_ROLES for name, _ in parts.get(role, [])})
    rate = (Decimal(line.vat_rate) * 100).normalize()
    return [
        event.at.strftime("%Y-%m-%d %H:%M:%S"), "; ".join(paid_to), "refund" if event.is_refund else item.kind,
        item.title, item.artist, line.currency, amount_text(ex_vat_each), units, "", amount_text(event.ex_vat), "",
        f"{rate:f}%" if line.vat_minor else "", "", total("vat"), total("mechanical"), "",
        "", "", total("store"), amount_text(event.gross), total(*LABEL_SHARE_ROLES), total(*LABEL_SHARE_ROLES),
        "digital download", line.format_name, item.release_title, "", item.upc, item.isrc,
        _country(event.territory), event.territory, event.transaction_id, line.pk,
    ]  # fmt: skip


def _country(code: str) -> str:
    found = find_country(code) if code else None
    return found.name if found else code
