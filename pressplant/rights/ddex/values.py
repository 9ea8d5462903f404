"""Scalar values as DDEX writes them: xs:duration, xs:date, xs:dateTime, decimals."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

_DURATION = re.compile(
    r"^P(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def duration_ms(text: str | None) -> int | None:
    """ISO 8601 xs:duration ('PT5M7.000S', 'PT0H3M8S') to whole milliseconds; None if absent or odd."""
    found = _DURATION.match((text or "").strip())
    if text is None or found is None or found.group(0) in ("P", "PT"):
        return None
    parts = {name: Decimal(value) for name, value in found.groupdict().items() if value is not None}
    seconds = (
        parts.get("days", Decimal(0)) * 86400
        + parts.get("hours", Decimal(0)) * 3600
        + parts.get("minutes", Decimal(0)) * 60
        + parts.get("seconds", Decimal(0))
    )
    return int((seconds * 1000).to_integral_value())


def parse_date(text: str | None) -> date | None:
    """xs:date, tolerating a trailing time zone ('2007-08-28Z'); None if absent or not a date."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def parse_instant(text: str | None) -> datetime | None:
    """xs:dateTime in UTC; a time without a zone is taken as UTC (DDEX says so for deals)."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_decimal(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        return None
