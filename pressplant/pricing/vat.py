"""VAT on digital downloads sold to consumers, charged at the rate of the buyer's country (DOMAIN.md §5).

Data, one row per country: the standard rate that applies to downloaded music (no EU country applies a
reduced rate to it). Countries not listed charge no VAT here (the store is not registered there), and
their prices are shown without tax. Rates as of 2026-01-01; the operator updates this table when a
country changes its rate (Estonia 24% from July 2025, Romania 21% from August 2025, Slovakia 23% and
Finland 25.5% since 2025).
"""

from __future__ import annotations

from decimal import Decimal

VAT_RATES: dict[str, Decimal] = {
    "AT": Decimal("0.20"), "BE": Decimal("0.21"), "BG": Decimal("0.20"), "HR": Decimal("0.25"),
    "CY": Decimal("0.19"), "CZ": Decimal("0.21"), "DK": Decimal("0.25"), "EE": Decimal("0.24"),
    "FI": Decimal("0.255"), "FR": Decimal("0.20"), "DE": Decimal("0.19"), "GR": Decimal("0.24"),
    "HU": Decimal("0.27"), "IE": Decimal("0.23"), "IT": Decimal("0.22"), "LV": Decimal("0.21"),
    "LT": Decimal("0.21"), "LU": Decimal("0.17"), "MT": Decimal("0.18"), "NL": Decimal("0.21"),
    "PL": Decimal("0.23"), "PT": Decimal("0.23"), "RO": Decimal("0.21"), "SK": Decimal("0.23"),
    "SI": Decimal("0.22"), "ES": Decimal("0.21"), "SE": Decimal("0.25"),
    "GB": Decimal("0.20"), "NO": Decimal("0.25"), "CH": Decimal("0.081"),
}  # fmt: skip



def vat_rate(country: str) -> Decimal:
    """The VAT rate a consumer living in `country` pays on a download; 0 where the store charges none."""
    return VAT_RATES.get(country.upper(), Decimal(0))



def vat_percent(country: str) -> str:
    """'19%', '25.5%' for a VAT country, '' elsewhere: the figure shown beside a price."""
    rate = vat_rate(country)
    if not rate:
        return ""
    return f"{(rate * 100).normalize():f}%"
