"""A month's royalty reports as files in one folder: per payee a statement (HTML and CSV), per label a
DDEX DSR and a sales report CSV; with a summary per payee and currency, and the check of every statement
total against the ledger's payable postings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.utils.text import slugify

from pressplant.money import Money
from pressplant.royalties.documents import statement_csv, statement_html, write_document
from pressplant.royalties.dsr import DsrParty, dsr_files
from pressplant.royalties.periods import Period
from pressplant.royalties.sales import labels_in
from pressplant.royalties.sales_reports import sales_report_csv
from pressplant.royalties.statements import Statement, reconcile, statements


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
    sender = sender or store_party()
    created_at = created_at or datetime.now(UTC)
    out_dir.mkdir(parents=True, exist_ok=True)
    found = statements(period)
    files = []
    for statement in found:
        stem = f"statement-{statement.payee_code}-{period}"
        files.append(write_document(out_dir / f"{stem}.html", statement_html(statement, sender.name)))
        files.append(write_document(out_dir / f"{stem}.csv", statement_csv(statement)))
    files += [write_document(out_dir / dsr.name, dsr.text) for dsr in dsr_files(period, sender, created_at)]
    for label in labels_in(period):
        name = f"sales-{slugify(label.name) or f'label-{label.pk}'}-{period}.csv"
        files.append(write_document(out_dir / name, sales_report_csv(label, period)))
    return PeriodReports(period, files, summary_rows(found), reconcile(period, found))


def summary_rows(found: list[Statement]) -> list[SummaryRow]:
    return [SummaryRow(s.payee_code, s.payee_name, currency, s.line_counts()[currency], total)
            for s in found for currency, total in s.totals().items()]
