"""Countries a customer may live in, and the currency each one's wallet is kept in.

Data, not code: one row per ISO 3166-1 alpha-2 code. The wallet currency is fixed at sign-up: EUR in the
euro area, GBP in the United Kingdom, RUB in Russia, USD everywhere else (including the EU members that
keep their own money: the store only holds wallets in a few currencies).
"""

from __future__ import annotations

from typing import NamedTuple


class Country(NamedTuple):
    name: str
    currency: str
    """ISO 4217 code of the wallet currency for a customer living there."""


DEFAULT_CURRENCY = "USD"

COUNTRIES: dict[str, Country] = {
    # Euro area (Bulgaria since 2026-01-01).
    "AT": Country("Austria", "EUR"),
    "BE": Country("Belgium", "EUR"),
    "BG": Country("Bulgaria", "EUR"),
    "HR": Country("Croatia", "EUR"),
    "CY": Country("Cyprus", "EUR"),
    "EE": Country("Estonia", "EUR"),
    "FI": Country("Finland", "EUR"),
    "FR": Country("France", "EUR"),
    "DE": Country("Germany", "EUR"),
    "GR": Country("Greece", "EUR"),
    "IE": Country("Ireland", "EUR"),
    "IT": Country("Italy", "EUR"),
    "LV": Country("Latvia", "EUR"),
    "LT": Country("Lithuania", "EUR"),
    "LU": Country("Luxembourg", "EUR"),
    "MT": Country("Malta", "EUR"),
    "NL": Country("Netherlands", "EUR"),
    "PT": Country("Portugal", "EUR"),
    "SK": Country("Slovakia", "EUR"),
    "SI": Country("Slovenia", "EUR"),
    "ES": Country("Spain", "EUR"),
    # Euro users outside the EU.
    "AD": Country("Andorra", "EUR"),
    "MC": Country("Monaco", "EUR"),
    "ME": Country("Montenegro", "EUR"),
    "SM": Country("San Marino", "EUR"),
    "VA": Country("Holy See", "EUR"),
    "XK": Country("Kosovo", "EUR"),
    # EU members outside the euro area.
    "CZ": Country("Czechia", DEFAULT_CURRENCY),
    "DK": Country("Denmark", DEFAULT_CURRENCY),
    "HU": Country("Hungary", DEFAULT_CURRENCY),
    "PL": Country("Poland", DEFAULT_CURRENCY),
    "RO": Country("Romania", DEFAULT_CURRENCY),
    "SE": Country("Sweden", DEFAULT_CURRENCY),
    # The rest of the world the store serves.
    "GB": Country("United Kingdom", "GBP"),
    "RU": Country("Russia", "RUB"),
    "US": Country("United States", "USD"),
    "AU": Country("Australia", DEFAULT_CURRENCY),
    "BR": Country("Brazil", DEFAULT_CURRENCY),
    "CA": Country("Canada", DEFAULT_CURRENCY),
    "CH": Country("Switzerland", DEFAULT_CURRENCY),
    "IS": Country("Iceland", DEFAULT_CURRENCY),
    "IN": Country("India", DEFAULT_CURRENCY),
    "JP": Country("Japan", DEFAULT_CURRENCY),
    "KR": Country("South Korea", DEFAULT_CURRENCY),
    "MX": Country("Mexico", DEFAULT_CURRENCY),
    "NO": Country("Norway", DEFAULT_CURRENCY),
    "NZ": Country("New Zealand", DEFAULT_CURRENCY),
    "RS": Country("Serbia", DEFAULT_CURRENCY),
    "UA": Country("Ukraine", DEFAULT_CURRENCY),
    "ZA": Country("South Africa", DEFAULT_CURRENCY),
}


def find_country(code: str) -> Country | None:
    """The row for an alpha-2 code in any case ("de" finds Germany), or None."""
    return COUNTRIES.get(code.strip().upper())


def country_choices() -> list[tuple[str, str]]:
    """(code, name) pairs sorted by name, for a select box."""
    return sorted(((code, country.name) for code, country in COUNTRIES.items()), key=lambda pair: pair[1])
