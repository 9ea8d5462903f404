"""Royalty documents as files: statements in HTML and CSV, payout lists, and the one way every report
file is written (to `name.part`, then renamed, so a reader never sees half a file).

Amounts in files are decimals in major units ("12.30") beside a currency column, never floats.

A statement is written line by line (`StatementWriter`): a label's month can be a million lines, so the
rows go to the file as they come and only the totals are kept. `Texts` makes each text that many rows
repeat (an amount, an escaped title, an event's date) once.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from pressplant.money import CURRENCY_EXPONENTS, Money
from pressplant.royalties.sales import Item, SaleEvent, Share
from pressplant.royalties.statements import Statement, StatementLine

STATEMENT_COLUMNS = (
    "date", "order line", "transaction", "territory", "item type", "item", "artist", "release", "ISRC", "UPC",
    "format", "units", "currency", "gross (incl. VAT)", "ex-VAT", "paid as", "basis", "amount",
)  # fmt: skip
"""The statement CSV's header row; one row per line below it."""

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


@dataclass(slots=True)
class EventTexts:
    """What every row about one event prints the same way, made once per event."""

    moment: str
    """"2026-11-03T10:00:00Z"."""
    transaction_id: str
    gross: str
    ex_vat: str
    csv: str = ""
    """A statement's CSV row up to the payee's cells: the event's cells, quoted, each followed by a comma."""
    html: str = ""
    """A statement's table row up to the payee's cells."""


class Texts:
    """Texts made once and looked up after: amounts, escaped strings, items and shares as they print, the
    last event's texts (an event is on the statements of 1-4 payees, one after the other)."""

    def __init__(self) -> None:
        self.amounts: dict[tuple[int, str], str] = {}
        self.escaped: dict[str, str] = {}
        self.fragments: dict[tuple[int, str], tuple[object, str]] = {}
        self.last: tuple[SaleEvent | None, EventTexts | None] = (None, None)

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

    def event(self, event: SaleEvent) -> EventTexts:
        last, texts = self.last
        if last is not event or texts is None:
            line, units, at = event.line, event.units, event.at_text
            texts = EventTexts(f"{at[:10]}T{at[11:19]}Z", event.transaction_id,
                               self.amount(units * line.price_minor, line.currency),
                               self.amount(units * (line.price_minor - line.vat_minor), line.currency))
            self.last = (event, texts)
        return texts

    def statement_csv(self, event: SaleEvent) -> str:
        texts = self.event(event)
        if not texts.csv:
            item, line = event.item, event.line
            texts.csv = csv_cells((texts.moment, line.pk, texts.transaction_id, line.territory, item.kind,
                                   item.title, item.artist, item.release_title, item.isrc, item.upc,
                                   line.format_name, event.units, line.currency, texts.gross, texts.ex_vat, ""))
        return texts.csv

    def statement_html(self, event: SaleEvent) -> str:
        texts = self.event(event)
        if not texts.html:
            line, escaped = event.line, self.html
            currency, refund = escaped(line.currency), ' class="refund"' if event.units < 0 else ""
            texts.html = (
                f'<tr{refund}><td>{texts.moment[:10]}</td><td>{line.pk}</td>'
                f'<td>{escaped(line.territory)}</td><td>{self.item_html(event.item)}</td>'
                f'<td>{escaped(line.format_name)}</td><td class="num">{event.units}</td>'
                f'<td class="num">{texts.gross} {currency}</td><td class="num">{texts.ex_vat} {currency}</td>')
        return texts.html

    def item_html(self, item: Item) -> str:
        """The item cell of a statement's table; every text from the database is escaped."""
        known = self.fragments.get((id(item), "html"))  # items are shared: hashing all their fields costs more
        if known is not None and known[0] is item:
            return known[1]
        codes = " · ".join(c for c in (f"ISRC {item.isrc}" if item.isrc else "",
                                       f"UPC {item.upc}" if item.upc else "") if c)
        release = f' <span class="basis">({html.escape(item.release_title)})</span>' if item.kind == "track" else ""
        found = (f'{html.escape(item.title)} – {html.escape(item.artist)}{release}'
                 f'<div class="basis">{html.escape(codes)}</div>')
        self.fragments[(id(item), "html")] = (item, found)
        return found

    def share(self, share: Share, kind: str) -> str:
        """The payee's "paid as" and basis cells of a statement row, as `kind` ("csv" or "html") prints them."""
        known = self.fragments.get((id(share), kind))
        if known is not None and known[0] is share:
            return known[1]
        if kind == "csv":
            found = csv_cells((share.roles, share.basis, ""))
        else:
            found = f'<td>{html.escape(share.roles)}<div class="basis">{html.escape(share.basis)}</div></td>'
        self.fragments[(id(share), kind)] = (share, found)
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
        """One line: a CSV row and a table row, made of the event's cells (made once per event), the
        share's (once per kind of sale) and the amount."""
        event, share = line.event, line.share
        currency, amount_minor = event.line.currency, event.units * share.amount_minor
        amount = self.texts.amount(amount_minor, currency)
        if self.csv_out is not None:
            self.csv_out.write(f"{self.texts.statement_csv(event)}{self.texts.share(share, 'csv')}{amount}\r\n")
        if self.html_out is not None:
            if not self.head:
                self.head = self._page([]).split(_ROWS_GO_HERE)[0]
                self.html_out.write(self.head)
            self.html_out.write(f'{self.texts.statement_html(event)}{self.texts.share(share, "html")}'
                                f'<td class="num">{amount} {self.texts.html(currency)}</td></tr>\n')
        self.counts[currency] = self.counts.get(currency, 0) + 1
        self.totals_minor[currency] = self.totals_minor.get(currency, 0) + amount_minor

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
