"""Background jobs of royalties: they take plain values, are idempotent, and call one action each."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from pressplant.celery import app
from pressplant.royalties.errors import RoyaltiesError
from pressplant.royalties.periods import Period
from pressplant.royalties.reports import write_period_reports


@app.task(acks_late=True, reject_on_worker_lost=True)
def write_statements(period: str = "", out_dir: str = "") -> dict[str, Any]:
    """Write a closed month's statements, DSRs and sales reports, checked against the ledger, as
    `pressplant royalties statement` does: `period` is YYYY-MM (default: last month), `out_dir` a folder
    on the worker (default: statements/<period> under PRESSPLANT_HOME).

    Idempotent: the files are dated the instant the month closed, not the moment they were written, so a
    second run writes the same files under the same names. A month not over yet is refused: its figures
    still move, and no two runs would agree."""
    now = timezone.now()
    month = Period.parse(period) if period else Period.containing(Period.containing(now).starts_at - timedelta(days=1))
    if now < month.ends_at:
        raise RoyaltiesError(f"{month} is not over yet: its statements are written from {month.ends_at:%Y-%m-%d}")
    folder = Path(out_dir) if out_dir else Path(settings.HOME) / "statements" / str(month)
    reports = write_period_reports(month, folder, created_at=month.ends_at)
    return {"period": str(month), "ok": reports.ok, "problems": reports.problems,
            "files": [str(path) for path in reports.files],
            "payees": [{"payee": row.payee_code, "currency": row.currency, "lines": row.lines,
                        "total": row.total.as_api()} for row in reports.summary]}
