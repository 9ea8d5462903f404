"""Reporting periods: calendar months in UTC, written YYYY-MM as statements and DSR file names use them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from pressplant.royalties.errors import InvalidPeriod

_MONTH = re.compile(r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})")


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """One calendar month, from its first instant (UTC) up to, not including, the next month's."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not (1 <= self.month <= 12 and 1970 <= self.year <= 9999):
            raise InvalidPeriod(f"{self.year:04d}-{self.month:02d} is not a month")

    @classmethod
    def parse(cls, text: str) -> Period:
        """"2026-11" -> Period(2026, 11)."""
        found = _MONTH.fullmatch(text.strip())
        if found is None:
            raise InvalidPeriod(f"{text!r} is not a period: write the month as YYYY-MM, e.g. 2026-11")
        return cls(int(found["year"]), int(found["month"]))

    @classmethod
    def containing(cls, moment: datetime) -> Period:
        utc = moment.astimezone(UTC)
        return cls(utc.year, utc.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def starts_at(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    @property
    def ends_at(self) -> datetime:
        """The first instant after the period (exclusive bound)."""
        return self.next().starts_at

    @property
    def first_day(self) -> date:
        return self.starts_at.date()

    @property
    def last_day(self) -> date:
        return (self.ends_at - timedelta(days=1)).date()

    def next(self) -> Period:
        return Period(self.year + self.month // 12, self.month % 12 + 1)

    def includes(self, moment: datetime) -> bool:
        return self.starts_at <= moment < self.ends_at
