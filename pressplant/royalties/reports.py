"""A month's royalty reports as files in one folder: per payee a statement (HTML and CSV), per label a
DDEX DSR and a sales report CSV; with a summary per payee and currency, and the check of every statement
total against the ledger.

They are all written in one pass over the month's events, oldest first: each event goes to the statement
of every payee it paid and to its label's DSR and sales report, as it is read. Every file is written
through its `.part` file; on a failure no `.part` file is left.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.utils.text import slugify

from pressplant.catalogue.models import Label
from pressplant.money import Money
from pressplant.rights.models import Payee
from pressplant.royalties.documents import PartFile, StatementWriter, Texts, write_document
from pressplant.royalties.dsr import DsrBuilder, DsrParty, named_apart
from pressplant.royalties.periods import Period
from pressplant.royalties.sales import SaleEvent, stream_events
from pressplant.royalties.sales_reports import SalesReportWriter
from pressplant.royalties.statements import Statement, StatementLine, differences, payee_contact


@dataclass(frozen=True, slots=True)
class SummaryRow:
    payee_code: str
    payee_name: str
    currency: str
    lines: int
    total: Money


@dataclass(frozen=True, slots=True)
class PeriodReports:
    period: Period
    files: list[Path]
    summary: list[SummaryRow]
    problems: list[str]
    """Where statements and the ledger disagree; empty when they agree to the minor unit."""

    @property
    def ok(self) -> bool:
        return not self.problems


def store_party() -> DsrParty:
    """The store as a DSR sender: PRESSPLANT_DPID and PRESSPLANT_STORE_NAME from settings, when set."""
    return DsrParty(getattr(settings, "PRESSPLANT_DPID", ""), getattr(settings, "PRESSPLANT_STORE_NAME", "Pressplant"))


def write_period_reports(period: Period, out_dir: Path, *, created_at: datetime | None = None,
                         sender: DsrParty | None = None) -> PeriodReports:
    """Write every statement, DSR and sales report of `period` into `out_dir` (made if missing)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    month = _Month(period, out_dir, sender or store_party(), created_at or datetime.now(UTC))
    try:
        with _cycle_collector_paused():
            for event in stream_events(period):
                month.add(event)
            files, summary = month.finish()
    finally:
        month.discard()
    totals = {(row.payee_code, row.currency): row.total for row in summary}
    return PeriodReports(period, files, summary, differences(period, totals))


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """What a month's pass makes (events, texts, the DSRs' sales) holds no reference cycles and is freed
    as it goes; the cycle collector's passes over the millions of objects alive meanwhile cost a fifth of
    the run, so they wait until it ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


SPILL_EVERY = 1_024
"""Events between two looks at how much each file holds in memory (at most about 0.5 MB more each)."""


@dataclass
class _Statement:
    """A payee's statement being written: its files, and the header it is addressed by."""

    header: Statement
    csv: PartFile
    html: PartFile
    writer: StatementWriter


class _Month:
    """The documents of one month, fed one event at a time."""

    def __init__(self, period: Period, out_dir: Path, sender: DsrParty, created_at: datetime) -> None:
        self.period, self.out_dir, self.sender, self.created_at = period, out_dir, sender, created_at
        self.texts = Texts()
        self.statements: dict[str, _Statement] = {}
        self.dsrs: dict[int, DsrBuilder] = {}
        self.sales: dict[int, tuple[PartFile, SalesReportWriter]] = {}
        self.events = 0

    def add(self, event: SaleEvent) -> None:
        self.events += 1
        if self.events % SPILL_EVERY == 0:
            self._spill()
        for code, share in event.parts.shares().items():
            statement = self.statements.get(code) or self._statement(code, share.payee_name)
            statement.writer.add(StatementLine(event, share))
        label_id = event.item.label_id
        if label_id is not None:
            if label_id not in self.dsrs:
                self._label(label_id)
            self.dsrs[label_id].add(event)
            self.sales[label_id][1].add(event)

    def _statement(self, code: str, recorded_name: str) -> _Statement:
        header = Statement(code, *payee_contact(Payee.objects.filter(code=code).first(), recorded_name),
                           self.period, ())
        stem = self.out_dir / f"statement-{code}-{self.period}"
        csv, html = PartFile(stem.with_name(stem.name + ".csv")), PartFile(stem.with_name(stem.name + ".html"))
        writer = StatementWriter(header, self.sender.name, csv, html, self.texts)
        statement = self.statements[code] = _Statement(header, csv, html, writer)
        return statement

    def _label(self, label_id: int) -> None:
        label = Label.objects.get(pk=label_id)
        self.dsrs[label_id] = DsrBuilder(label, self.period, self.created_at)
        name = f"sales-{slugify(label.name) or f'label-{label.pk}'}-{self.period}.csv"
        out = PartFile(self.out_dir / name)
        self.sales[label_id] = (out, SalesReportWriter(out, self.texts))

    def finish(self) -> tuple[list[Path], list[SummaryRow]]:
        """Write what ends each document and rename every file into place."""
        files, summary = [], []
        for code in sorted(self.statements):
            statement = self.statements[code]
            totals = statement.writer.finish()
            files += [statement.html.finish(), statement.csv.finish()]
            summary += [SummaryRow(code, statement.header.payee_name, currency, lines, total)
                        for currency, (lines, total) in totals.items()]
        labels = list(Label.objects.filter(pk__in=list(self.dsrs)).values_list("pk", flat=True))  # by name
        built = [(self.dsrs[label_id].label, self.dsrs[label_id].finish(self.sender)) for label_id in labels]
        for dsr in named_apart([(label, dsr) for label, dsr in built if dsr is not None]):
            files.append(write_document(self.out_dir / dsr.name, dsr.text))
        files += [self.sales[label_id][0].finish() for label_id in labels]
        return files, summary

    def _spill(self) -> None:
        for statement in self.statements.values():
            statement.csv.spill()
            statement.html.spill()
        for out, _ in self.sales.values():
            out.spill()

    def discard(self) -> None:
        """Remove every file not renamed into place (all of them, after a failure)."""
        for statement in self.statements.values():
            statement.csv.discard()
            statement.html.discard()
        for out, _ in self.sales.values():
            out.discard()
