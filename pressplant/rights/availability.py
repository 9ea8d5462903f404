"""Is a release on sale in a territory at an instant? A pure reading of its current DDEX deals.

The caller passes the deals of the *latest* NewReleaseMessage for the release: every message is a
statement of truth that replaces earlier deals, so an empty tuple means the label withdrew everything.

Time choices (DDEX sends dates without a zone for deals): a start given as a date means 00:00 UTC on
that day; an end given as a date means the end of that day, i.e. the deal stops at 00:00 UTC of the
next day. Internally every window is half-open, ``starts_at <= at < ends_at``; a missing start means
"since always", a missing end "until further notice".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from .ddex.deals import DownloadKind, is_download_deal
from .ddex.model import Deal, PriceCode, WholesalePrice

WORLDWIDE = "Worldwide"

DealPrice = PriceCode | WholesalePrice


class Status(StrEnum):
    ON_SALE = "on_sale"
    FREE = "free"
    PRE_ORDER = "pre_order"
    NOT_LICENSED = "not_licensed"
    ENDED = "ended"
    WITHDRAWN = "withdrawn"
    UNPRICED = "unpriced"
    """Licensed, but its price code means nothing to the store yet (or not in the buyer's currency)."""

    @property
    def can_buy(self) -> bool:
        """A buyer may order it now: on sale, free, or a pre-order (charged now, delivered on the date)."""
        return self in (Status.ON_SALE, Status.FREE, Status.PRE_ORDER)


class NaiveInstant(ValueError):
    """`at` must be timezone-aware: deal windows are UTC instants, a naive time is ambiguous."""


@dataclass(frozen=True)
class Availability:
    """The answer a buyer sees; `price` is the deal's price code or wholesale price, not yet money."""

    status: Status
    reason: str
    price: DealPrice | None
    starts_at: datetime | None
    ends_at: datetime | None
    is_free: bool


#: ISO 3166-1 alpha-2 code -> the name a buyer reads; unknown codes fall back to the code itself
COUNTRY_NAMES: dict[str, str] = {
    "AT": "Austria", "BE": "Belgium", "BG": "Bulgaria", "HR": "Croatia", "CY": "Cyprus",
    "CZ": "the Czech Republic", "DK": "Denmark", "EE": "Estonia", "FI": "Finland", "FR": "France",
    "DE": "Germany", "GR": "Greece", "HU": "Hungary", "IE": "Ireland", "IT": "Italy", "LV": "Latvia",
    "LT": "Lithuania", "LU": "Luxembourg", "MT": "Malta", "NL": "the Netherlands", "PL": "Poland",
    "PT": "Portugal", "RO": "Romania", "SK": "Slovakia", "SI": "Slovenia", "ES": "Spain", "SE": "Sweden",
    "GB": "the United Kingdom", "US": "the United States", "JP": "Japan", "RU": "Russia",
    "CH": "Switzerland", "NO": "Norway", "IS": "Iceland", "CA": "Canada", "AU": "Australia",
    "NZ": "New Zealand", "BR": "Brazil", "MX": "Mexico", "KR": "South Korea", "CN": "China", "IN": "India",
    WORLDWIDE: "the world",
}  # fmt: skip

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")  # fmt: skip

#: among deals that apply now, the kind a buyer is offered first (lower wins)
KIND_RANK: dict[DownloadKind, int] = {"sale": 0, "free": 1}


@dataclass(frozen=True)
class _Window:
    """One download deal turned into UTC instants."""

    kind: DownloadKind
    starts_at: datetime | None
    ends_at: datetime | None
    price: DealPrice | None
    delivers_at: datetime | None = None
    """PreOrderReleaseDate: orders are taken from `starts_at`, files are delivered from this day."""


def is_sellable(deals: Sequence[Deal], territory: str, at: datetime) -> Availability:
    """What a buyer in `territory` is offered at `at`: a takedown beats a current sale beats a free
    download beats a pre-order beats an ended deal; no applicable deal means not licensed there."""
    if at.tzinfo is None:
        raise NaiveInstant(f"availability needs a timezone-aware instant (got {at.isoformat()})")
    if not deals or _is_withdrawn(deals, territory, at):
        return _withdrawn()
    windows = [w for w in (_window(d) for d in deals if applies_to(d, territory)) if w is not None]
    current = [w for w in windows if _has_started(w, at) and not _has_ended(w, at)]
    if current:
        chosen = min(current, key=lambda w: KIND_RANK[w.kind])
        if chosen.delivers_at is not None and at < chosen.delivers_at:
            return _pre_order(replace(chosen, starts_at=chosen.delivers_at))
        return _offer(chosen)
    upcoming = [w for w in windows if not _has_started(w, at)]
    if upcoming:
        return _pre_order(min(upcoming, key=lambda w: (_start_key(w), KIND_RANK[w.kind])))
    ended = [w for w in windows if _has_ended(w, at)]
    if ended:
        return _ended(max(ended, key=_end_key))
    return _not_licensed(territory)


def applies_to(deal: Deal, territory: str) -> bool:
    """Included territories name the code or Worldwide, and the excluded ones do not name the code.

    A takedown or AllDealsCancelled that names no territory at all applies everywhere."""
    if _is_withdrawal(deal) and not deal.territory_codes and not deal.excluded_territory_codes:
        return True
    included = territory in deal.territory_codes or WORLDWIDE in deal.territory_codes
    if not deal.territory_codes and deal.excluded_territory_codes:
        included = True  # only exclusions sent: everywhere else
    return included and territory not in deal.excluded_territory_codes


def start_instant(moment: date | datetime | None) -> datetime | None:
    """A start date means 00:00 UTC that day; a datetime is taken as UTC when naive."""
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return datetime.combine(moment, time(0), tzinfo=UTC)


def end_instant(moment: date | datetime | None) -> datetime | None:
    """An end date means the whole day is included: the deal stops at 00:00 UTC the next day."""
    if moment is None or isinstance(moment, datetime):
        return start_instant(moment)
    return datetime.combine(moment + timedelta(days=1), time(0), tzinfo=UTC)


def country_name(territory: str) -> str:
    return COUNTRY_NAMES.get(territory, territory)


def spoken_date(moment: datetime) -> str:
    """'15 January 2027', independent of the process locale."""
    return f"{moment.day} {MONTH_NAMES[moment.month - 1]} {moment.year}"


def _is_withdrawal(deal: Deal) -> bool:
    return deal.is_takedown or deal.all_deals_cancelled


def _is_withdrawn(deals: Sequence[Deal], territory: str, at: datetime) -> bool:
    """A takedown withdraws the item in its territories from its start date (at once if none)."""
    for deal in deals:
        if _is_withdrawal(deal) and applies_to(deal, territory):
            starts_at = deal_starts_at(deal)
            if starts_at is None or starts_at <= at:
                return True
    return False


def deal_starts_at(deal: Deal) -> datetime | None:
    """When a deal starts to apply: its validity start, or its ReleaseDeal's EffectiveDate if later (a 3.x
    message whose changes take effect on a date: before it, the deal does not apply yet)."""
    starts_at = start_instant(deal.start)
    effective_at = start_instant(deal.effective_date)
    if starts_at is None or effective_at is None:
        return starts_at or effective_at
    return max(starts_at, effective_at)


def _window(deal: Deal) -> _Window | None:
    kind = is_download_deal(deal)
    if kind is None:
        return None
    price: DealPrice | None = deal.price_code if deal.price_code is not None else deal.wholesale_price
    return _Window(kind=kind, starts_at=deal_starts_at(deal), ends_at=end_instant(deal.end), price=price,
                   delivers_at=start_instant(deal.pre_order_release_date))


def _has_started(window: _Window, at: datetime) -> bool:
    return window.starts_at is None or window.starts_at <= at


def _has_ended(window: _Window, at: datetime) -> bool:
    return window.ends_at is not None and window.ends_at <= at


def _start_key(window: _Window) -> datetime:
    return window.starts_at if window.starts_at is not None else datetime.min.replace(tzinfo=UTC)


def _end_key(window: _Window) -> datetime:
    return window.ends_at if window.ends_at is not None else datetime.max.replace(tzinfo=UTC)


def _last_day(ends_at: datetime) -> str:
    return spoken_date(ends_at - timedelta(microseconds=1))


def _offer(window: _Window) -> Availability:
    is_free = window.kind == "free"
    status, reason = (Status.FREE, "free download") if is_free else (Status.ON_SALE, "on sale")
    if window.ends_at is not None:
        reason = f"{reason} until {_last_day(window.ends_at)}"
    return Availability(status, reason, window.price, window.starts_at, window.ends_at, is_free)


def _pre_order(window: _Window) -> Availability:
    assert window.starts_at is not None  # an upcoming window has a start
    is_free = window.kind == "free"
    what = "free download" if is_free else "on sale"
    reason = f"{what} from {spoken_date(window.starts_at)}: pre-order"
    return Availability(Status.PRE_ORDER, reason, window.price, window.starts_at, window.ends_at, is_free)


def _ended(window: _Window) -> Availability:
    assert window.ends_at is not None  # an ended window has an end
    reason = f"no longer on sale since {spoken_date(window.ends_at)}"
    return Availability(Status.ENDED, reason, None, window.starts_at, window.ends_at, window.kind == "free")


def _not_licensed(territory: str) -> Availability:
    return Availability(Status.NOT_LICENSED, f"not licensed in {country_name(territory)}", None, None, None, False)


def _withdrawn() -> Availability:
    return Availability(Status.WITHDRAWN, "withdrawn by the label", None, None, None, False)
