"""What an import decided (a Verdict, before it is kept) and what it reports (an ImportResult)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pressplant.catalogue.models import Release
from pressplant.rights.models import DdexMessage

Outcome = DdexMessage.Outcome


@dataclass(frozen=True)
class Verdict:
    """The outcome and detail to keep on the message's audit row, and the releases it touched."""

    outcome: Outcome
    detail: str
    releases: tuple[Release, ...] = ()


@dataclass(frozen=True)
class ImportResult:
    """One message's import: `detail`'s first line is the reason or summary, further lines are notes."""

    outcome: Outcome
    detail: str
    message: DdexMessage
    releases: tuple[Release, ...]
    is_repeat: bool = False
    """The same bytes were received before, and this import changed nothing."""

    @property
    def is_refused(self) -> bool:
        return self.outcome == Outcome.REFUSED

    @property
    def reason(self) -> str:
        return self.detail.splitlines()[0] if self.detail else ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": str(self.outcome), "message": self.message.pk, "detail": self.detail,
            "releases": [{"id": r.pk, "release": str(r), "upc": r.upc, "status": r.status} for r in self.releases],
            "repeat": self.is_repeat,
        }  # fmt: skip
