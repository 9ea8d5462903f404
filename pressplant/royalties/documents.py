"""Royalty documents as files: statements in HTML and CSV, payout lists, and the one way every report
file is written (to `name.part`, then renamed, so a reader never sees half a file).

Amounts in files are decimals in major units ("12.30") beside a currency column, never floats.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe

from pressplant.money import CURRENCY_EXPONENTS, Money
from pressplant.royalties.statements import Statement, StatementLine

STATEMENT_COLUMNS = (
    "date", "order line", "transaction", "territory", "item type", "item", "artist", "release", "ISRC", "UPC",
    "format", "units", "currency", "gross (incl. VAT)", "ex-VAT", "paid as", "basis", "amount",
)  # fmt: skip
"""The statement CSV's header row; one row per line below it."""

PAYOUT_COLUMNS = ("payee", "name", "email", "currency", "amount")


def amount_text(money: Money) -> str:
    """Money(-1230, "GBP") -> "-12.30": the currency's decimals, no symbol."""
    return f"{money.as_decimal():.{CURRENCY_EXPONENTS[money.currency]}f}"


def moment_text(moment: datetime) -> str:
    """An entry's time as reports print it: UTC, to the second, ISO 8601."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_document(path: Path, text: str) -> Path:
    """Write UTF-8 `text` to `path` through `path.part`: on any failure no file, not half of one."""
    part = path.with_name(path.name + ".part")
    try:
        part.write_text(text, encoding="utf-8", newline="")
        part.replace(path)
    finally:
        part.unlink(missing_ok=True)
    return path


def statement_csv(statement: Statement) -> str:
    rows = (
        (moment_text(line.at), line.line_id, line.transaction_id, line.territory, line.item.kind, line.item.title,
         line.item.artist, line.item.release_title, line.item.isrc, line.item.upc, line.format_name, line.units,
         line.amount.currency, amount_text(line.gross), amount_text(line.ex_vat), line.roles, line.basis,
         amount_text(line.amount))
        for line in statement.lines
    )
    return csv_text(STATEMENT_COLUMNS, rows)


_ROW_HTML = (
    '<tr{refund}><td>{date}</td><td>{line_id}</td><td>{territory}</td>'
    '<td>{title} – {artist}{release}<div class="basis">{codes}</div></td><td>{format}</td>'
    '<td class="num">{units}</td><td class="num">{gross} {currency}</td><td class="num">{ex_vat} {currency}</td>'
    '<td>{roles}<div class="basis">{basis}</div></td><td class="num">{amount} {currency}</td></tr>\n'
)
"""One statement line in the page's table. Rows are filled here rather than by a template loop: a
label's month can hold tens of thousands of lines, and the template engine would take seconds."""


def statement_html(statement: Statement, store_name: str = "Pressplant") -> str:
    """A standalone page (inline CSS, no links out) the payee can open, print or keep."""
    totals = [{"currency": currency, "lines": statement.line_counts()[currency], "amount": amount_text(total)}
              for currency, total in statement.totals().items()]
    return render_to_string("royalties/statement.html", {
        "statement": statement, "rows": mark_safe("".join(_html_row(line) for line in statement.lines)),  # noqa: S308
        "totals": totals, "store_name": store_name,
        "first_day": statement.period.first_day.isoformat(), "last_day": statement.period.last_day.isoformat(),
    })  # fmt: skip


def _html_row(line: StatementLine) -> str:
    """One line of the table; every text from the database is escaped."""
    codes = [f"ISRC {line.item.isrc}" if line.item.isrc else "", f"UPC {line.item.upc}" if line.item.upc else ""]
    release = f' <span class="basis">({escape(line.item.release_title)})</span>' if line.item.kind == "track" else ""
    return _ROW_HTML.format(
        refund=' class="refund"' if line.units < 0 else "", date=moment_text(line.at)[:10], line_id=line.line_id,
        territory=escape(line.territory), title=escape(line.item.title), artist=escape(line.item.artist),
        release=release, codes=escape(" · ".join(c for c in codes if c)), format=escape(line.format_name),
        units=line.units, currency=escape(line.amount.currency), gross=amount_text(line.gross),
        ex_vat=amount_text(line.ex_vat), roles=escape(line.roles), basis=escape(line.basis),
        amount=amount_text(line.amount),
    )  # fmt: skip


def payout_csv(payouts: Iterable[tuple[str, str, str, Money]]) -> str:
    """(payee code, name, email, amount) rows as the payout list a bank upload or a person works from."""
    return csv_text(PAYOUT_COLUMNS, ((code, name, email, amount.currency, amount_text(amount))
                                     for code, name, email, amount in payouts))
