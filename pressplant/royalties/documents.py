"""Royalty documents as files: statements in HTML and CSV, payout lists, and the one way every report
file is written (to `name.part`, then renamed, so a reader never sees half a file).

Amounts in files are decimals in major units ("12.30") beside a currency column, never floats.

A statement is written line by line (`StatementWriter`), its rows going to the file as they come and
only the totals kept. `Texts` makes each text that many rows repeat (an amount, an escaped title) once:
a label's sales report holds a row per sale, a million in a busy month.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from pressplant.money import CURRENCY_EXPONENTS, Money
from pressplant.royalties.sales import Item
from pressplant.royalties.statements import Statement, StatementLine

STATEMENT_COLUMNS = (
    "territory", "item type", "item", "artist", "release", "ISRC", "UPC", "format", "currency",
    "price paid (incl. VAT)", "price ex-VAT", "paid as", "basis", "share per unit", "units sold", "units returned",
    "net units", "revenue ex-VAT", "amount",
)  # fmt: skip
"""The statement CSV's header row; one row per line below it (an item in one format, territory, price and
role): "amount" is "net units" times "share per unit", "revenue ex-VAT" the net units' price without VAT."""

PAYOUT_COLUMNS = ("payee", "name", "email", "currency", "amount")

PIECE_CHARS = 1 << 18
"""A PartFile appends to its file once it holds this many characters."""


class TextSink(Protocol):
    def write(self, text: str, /) -> Any: ...


def amount_text(money: Money) -> str:
    """Money(-1230, "GBP") -> "-12.30": the currency's decimals, no symbol."""
    return minor_text(money.amount_minor, money.currency)


def minor_text(amount_minor: int, currency: str) -> str:
    """amount_text() of Money(amount_minor, currency), in integers."""
    exponent = CURRENCY_EXPONENTS[currency]
    if not exponent:
        return str(amount_minor)
    major, minor = divmod(abs(amount_minor), 10**exponent)
    return f"{'-' if amount_minor < 0 else ''}{major}.{minor:0{exponent}d}"


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


class PartFile:
    """A UTF-8 file written to `name.part` and renamed by `finish()`; `discard()` leaves nothing. Writes go
    to memory; `spill()` appends them to the file once there are many, so a month's documents can be
    written at once without holding a file open each."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.part = path.with_name(path.name + ".part")
        self.part.write_bytes(b"")
        self.pieces = io.StringIO()

    def write(self, text: str) -> None:
        self.pieces.write(text)

    def spill(self) -> None:
        if self.pieces.tell() >= PIECE_CHARS:
            self._append()

    def finish(self) -> Path:
        self._append()
        self.part.replace(self.path)
        return self.path

    def discard(self) -> None:
        self.part.unlink(missing_ok=True)

    def _append(self) -> None:
        with self.part.open("a", encoding="utf-8", newline="") as out:
            out.write(self.pieces.getvalue())
        self.pieces = io.StringIO()  # a new one: a rewound StringIO keeps 4 bytes a character


class Texts:
    """Texts made once and looked up after: amounts, escaped strings, items as a statement prints them."""

    def __init__(self) -> None:
        self.amounts: dict[tuple[int, str], str] = {}
        self.escaped: dict[str, str] = {}
        self.items: dict[int, tuple[Item, str]] = {}

    def amount(self, amount_minor: int, currency: str) -> str:
        key = (amount_minor, currency)
        text = self.amounts.get(key)
        if text is None:
            text = self.amounts[key] = minor_text(amount_minor, currency)
        return text

    def html(self, text: str) -> str:
        found = self.escaped.get(text)
        if found is None:
            found = self.escaped[text] = html.escape(text)  # Django's escape(), as a plain str
        return found

    def item_html(self, item: Item) -> str:
        """The item cell of a statement's table; every text from the database is escaped."""
        known = self.items.get(id(item))  # items are shared: hashing all their fields costs more
        if known is not None and known[0] is item:
            return known[1]
        codes = " · ".join(c for c in (f"ISRC {item.isrc}" if item.isrc else "",
                                       f"UPC {item.upc}" if item.upc else "") if c)
        release = f' <span class="basis">({html.escape(item.release_title)})</span>' if item.kind == "track" else ""
        found = (f'{html.escape(item.title)} – {html.escape(item.artist)}{release}'
                 f'<div class="basis">{html.escape(codes)}</div>')
        self.items[id(item)] = (item, found)
        return found


def csv_cells(cells: Sequence[object]) -> str:
    """Cells as a CSV row writes them, with no line ending: "a,\"b,c\",1"."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    return out.getvalue()


_ROWS_GO_HERE = "\x00statement rows\x00"


class StatementWriter:
    """One statement as CSV and HTML, written a line at a time; `finish()` writes the totals."""

    def __init__(self, header: Statement, store_name: str, csv_out: TextSink | None, html_out: TextSink | None,
                 texts: Texts | None = None) -> None:
        """`header` names the payee and the period (its lines are not read); a None output is not written."""
        self.header, self.store_name, self.csv_out, self.html_out = header, store_name, csv_out, html_out
        self.texts = texts or Texts()
        if csv_out is not None:
            csv_out.write(csv_cells(STATEMENT_COLUMNS) + "\r\n")
        self.counts: dict[str, int] = {}
        self.totals_minor: dict[str, int] = {}
        self.head = ""

    def add(self, line: StatementLine) -> None:
        """One line: a CSV row and a table row."""
        currency, amount_minor = line.currency, line.units * line.share_minor
        amount = self.texts.amount(amount_minor, currency)
        if self.csv_out is not None:
            self.csv_out.write(csv_cells(self._csv_cells(line, amount)) + "\r\n")
        if self.html_out is not None:
            if not self.head:
                self.head = self._page([]).split(_ROWS_GO_HERE)[0]
                self.html_out.write(self.head)
            self.html_out.write(self._html_row(line, amount))
        self.counts[currency] = self.counts.get(currency, 0) + 1
        self.totals_minor[currency] = self.totals_minor.get(currency, 0) + amount_minor

    def _csv_cells(self, line: StatementLine, amount: str) -> tuple[object, ...]:
        item, currency, money = line.item, line.currency, self.texts.amount
        return (line.territory, item.kind, item.title, item.artist, item.release_title, item.isrc, item.upc,
                line.format_name, currency, money(line.price_minor, currency), money(line.ex_vat_minor, currency),
                line.role, line.basis, money(line.share_minor, currency), line.sold, line.returned, line.units,
                money(line.units * line.ex_vat_minor, currency), amount)

    def _html_row(self, line: StatementLine, amount: str) -> str:
        escaped, money, currency = self.texts.html, self.texts.amount, self.texts.html(line.currency)
        returns = ' class="refund"' if line.units < 0 else ""
        return (f'<tr{returns}><td>{escaped(line.territory)}</td><td>{self.texts.item_html(line.item)}</td>'
                f'<td>{escaped(line.format_name)}</td>'
                f'<td class="num">{money(line.price_minor, line.currency)} {currency}'
                f'<div class="basis">{money(line.ex_vat_minor, line.currency)} ex-VAT</div></td>'
                f'<td>{escaped(line.role)}<div class="basis">{escaped(line.basis)}</div></td>'
                f'<td class="num">{money(line.share_minor, line.currency)}</td><td class="num">{line.sold}</td>'
                f'<td class="num">{line.returned}</td><td class="num">{amount} {currency}</td></tr>\n')

    def finish(self) -> dict[str, tuple[int, Money]]:
        """Write the totals; returns currency -> (lines, total), by currency."""
        found = {c: (self.counts[c], Money(self.totals_minor[c], c)) for c in sorted(self.counts)}
        totals = [{"currency": currency, "lines": lines, "amount": amount_text(total)}
                  for currency, (lines, total) in found.items()]
        if self.html_out is None:
            return found
        if not self.head:
            self.html_out.write(self._page(totals, rows=""))
            return found
        head, tail = self._page(totals).split(_ROWS_GO_HERE)
        if head != self.head:
            raise RuntimeError("the statement template's head depends on its totals: it cannot be streamed")
        self.html_out.write(tail)
        return found

    def _page(self, totals: list[dict[str, Any]], rows: str = _ROWS_GO_HERE) -> str:
        statement = self.header
        return render_to_string("royalties/statement.html", {
            "statement": statement, "rows": mark_safe(rows), "totals": totals,  # noqa: S308  (rows escape their cells)
            "store_name": self.store_name, "first_day": statement.period.first_day.isoformat(),
            "last_day": statement.period.last_day.isoformat(),
        })  # fmt: skip


def statement_csv(statement: Statement) -> str:
    out = io.StringIO()
    _write_statement(statement, "", out, None)
    return out.getvalue()


def statement_html(statement: Statement, store_name: str = "Pressplant") -> str:
    """A standalone page (inline CSS, no links out) the payee can open, print or keep."""
    out = io.StringIO()
    _write_statement(statement, store_name, None, out)
    return out.getvalue()


def _write_statement(statement: Statement, store_name: str, csv_out: TextSink | None,
                     html_out: TextSink | None) -> None:
    writer = StatementWriter(statement, store_name, csv_out, html_out)
    for line in statement.lines:
        writer.add(line)
    writer.finish()


def payout_csv(payouts: Iterable[tuple[str, str, str, Money]]) -> str:
    """(payee code, name, email, amount) rows as the payout list a bank upload or a person works from."""
    return csv_text(PAYOUT_COLUMNS, ((code, name, email, amount.currency, amount_text(amount))
                                     for code, name, email, amount in payouts))
