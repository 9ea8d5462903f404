"""Who collects the mechanical royalty on a download, by the buyer's territory, and at what rate.

Data, one row per territory, plus the rule for everywhere else. Pure: the caller passes the territory
and the sale's currency. The US uses the statutory rate by year (17 U.S.C. 115), collected by The MLC;
the UK the PRS for Music download licence (MCPS); the continental societies a percentage with a minimum
per track (BIEM-style, 8% / 5 minor units: unconfirmed, replace with the agreed tariff).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pressplant.money import Money
from pressplant.rights.split import (
    MECHANICAL_UK_PRS,
    MECHANICAL_US,
    MechanicalRule,
    PercentageMechanical,
)


@dataclass(frozen=True)
class MechanicalPayee:
    """A collecting society or publisher: `code` names its payable account."""

    code: str
    name: str


@dataclass(frozen=True)
class Mechanical:
    rule: MechanicalRule
    payee: MechanicalPayee


_BIEM_RATE = Decimal("0.08")
_MINIMUM_MINOR_PER_TRACK = 5

SOCIETIES: dict[str, MechanicalPayee] = {
    "US": MechanicalPayee("the-mlc", "The MLC"),
    "GB": MechanicalPayee("prs-for-music", "PRS for Music (MCPS)"),
    "DE": MechanicalPayee("gema", "GEMA"), "AT": MechanicalPayee("austro-mechana", "Austro-Mechana"),
    "FR": MechanicalPayee("sacem-sdrm", "SACEM/SDRM"), "BE": MechanicalPayee("sabam", "SABAM"),
    "LU": MechanicalPayee("sacem-sdrm", "SACEM/SDRM"), "NL": MechanicalPayee("buma-stemra", "Buma/Stemra"),
    "IT": MechanicalPayee("siae", "SIAE"), "ES": MechanicalPayee("sgae", "SGAE"),
    "PT": MechanicalPayee("spa", "SPA"), "IE": MechanicalPayee("imro-mcps", "IMRO/MCPSI"),
    "SE": MechanicalPayee("nordic-copyright-bureau", "Nordic Copyright Bureau"),
    "DK": MechanicalPayee("nordic-copyright-bureau", "Nordic Copyright Bureau"),
    "NO": MechanicalPayee("nordic-copyright-bureau", "Nordic Copyright Bureau"),
    "FI": MechanicalPayee("nordic-copyright-bureau", "Nordic Copyright Bureau"),
    "PL": MechanicalPayee("zaiks", "ZAiKS"), "CZ": MechanicalPayee("osa", "OSA"),
    "CH": MechanicalPayee("suisa", "SUISA"), "JP": MechanicalPayee("jasrac", "JASRAC"),
}  # fmt: skip

ELSEWHERE = MechanicalPayee("publishers-elsewhere", "Publishers (territories without a society agreement)")


def mechanical_for(territory: str, currency: str) -> Mechanical:
    """The rule and payee for a download bought in `territory` and paid in `currency`.

    The US statutory rate is in dollars: a US sale paid in another currency falls back to the percentage
    rule (the store keeps no exchange rates), as does the PRS minimum for a UK sale not paid in pounds."""
    payee = SOCIETIES.get(territory, ELSEWHERE)
    if territory == "US" and currency == "USD":
        return Mechanical(MECHANICAL_US, payee)
    if territory == "GB" and currency == "GBP":
        return Mechanical(MECHANICAL_UK_PRS, payee)
    return Mechanical(PercentageMechanical(_BIEM_RATE, Money(_MINIMUM_MINOR_PER_TRACK, currency)), payee)
