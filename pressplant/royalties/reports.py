"""A month's royalty reports as files in one folder: per payee a statement (HTML and CSV), per label a
DDEX DSR and a sales report CSV; with a summary per payee and currency, and the check of every statement
total against the ledger.

The statements come summed from one GROUP BY (`statements()`); the labels' documents, which list every
sale, are written in one pass over the month's events, oldest first. Every file is written through its
`.part` file and renamed only when all of them are complete; on a failure no file is left.
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
from pressplant.royalties.documents import PartFile, StatementWriter, write_document
from pressplant.royalties.dsr import DsrBuilder, DsrParty, named_apart
from pressplant.royalties.periods import Period
from pressplant.royalties.sales import SaleEvent, stream_events
from pressplant.royalties.sales_reports import SalesReportWriter
from pressplant.royalties.statements import Statement, differences, ledger_alongside, statements


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
    return _write(period, out_dir, created_at, sender, labels=True)


def write_period_statements(period: Period, out_dir: Path, *, sender: DsrParty | None = None) -> PeriodReports:
    """Write only the payees' statements of `period`, checked against the ledger (no label documents)."""
    return _write(period, out_dir, None, sender, labels=False)


def _write(period: Period, out_dir: Path, created_at: datetime | None, sender: DsrParty | None, *,
           labels: bool) -> PeriodReports:
    out_dir.mkdir(parents=True, exist_ok=True)
    month = _Month(period, out_dir, sender or store_party(), created_at or datetime.now(UTC))
    with ledger_alongside(period) as ledger:
        try:
            summary = month.write_statements(statements(period))
            if labels:
                with _cycle_collector_paused():
                    for event in stream_events(period):
                        month.add(event)
            files = month.finish()
        finally:
            month.discard()
        figures = ledger()
    totals = {(row.payee_code, row.currency): row.total for row in summary}
    return PeriodReports(period, files, summary, differences(period, totals, figures))


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


class _Month:
    """The documents of one month: the statements written at once, the labels' fed one event at a time."""

    def __init__(self, period: Period, out_dir: Path, sender: DsrParty, created_at: datetime) -> None:
        self.period, self.out_dir, self.sender, self.created_at = period, out_dir, sender, created_at
        self.statements: list[PartFile] = []
        self.dsrs: dict[int, DsrBuilder] = {}
        self.sales: dict[int, tuple[PartFile, SalesReportWriter]] = {}
        self.events = 0

    def write_statements(self, found: list[Statement]) -> list[SummaryRow]:
        """Each payee's statement as CSV and HTML (renamed into place by finish()); the totals per currency."""
        summary = []
        for statement in found:
            stem = self.out_dir / f"statement-{statement.payee_code}-{self.period}"
            csv, html = PartFile(stem.with_name(stem.name + ".csv")), PartFile(stem.with_name(stem.name + ".html"))
            self.statements += [html, csv]
            writer = StatementWriter(statement, self.sender.name, csv, html)
            for line in statement.lines:
                writer.add(line)
            totals = writer.finish()
            csv.spill()
            html.spill()
            summary += [SummaryRow(statement.payee_code, statement.payee_name, currency, lines, total)
                        for currency, (lines, total) in totals.items()]
        return summary

    def add(self, event: SaleEvent) -> None:
        self.events += 1
        if self.events % SPILL_EVERY == 0:
            for out, _ in self.sales.values():
                out.spill()
        label_id = event.item.label_id
        if label_id is not None:
            if label_id not in self.dsrs:
                self._label(label_id)
            self.dsrs[label_id].add(event)
            self.sales[label_id][1].add(event)

    def _label(self, label_id: int) -> None:
        label = Label.objects.get(pk=label_id)
        self.dsrs[label_id] = DsrBuilder(label, self.period, self.created_at)
        name = f"sales-{slugify(label.name) or f'label-{label.pk}'}-{self.period}.csv"
        out = PartFile(self.out_dir / name)
        self.sales[label_id] = (out, SalesReportWriter(out))

    def finish(self) -> list[Path]:
        """Write what ends each label's documents and rename every file into place."""
        files = [statement.finish() for statement in self.statements]
        labels = list(Label.objects.filter(pk__in=list(self.dsrs)).values_list("pk", flat=True))  # by name
        built = [(self.dsrs[label_id].label, self.dsrs[label_id].finish(self.sender)) for label_id in labels]
        for dsr in named_apart([(label, dsr) for label, dsr in built if dsr is not None]):
            files.append(write_document(self.out_dir / dsr.name, dsr.text))
        files += [self.sales[label_id][0].finish() for label_id in labels]
        return files

    def discard(self) -> None:
        """Remove every file not renamed into place (all of them, after a failure)."""
        for statement in self.statements:
            statement.discard()
        for out, _ in self.sales.values():
            out.discard()
