"""Top-up bonuses: rules are rows (BonusRule), the arithmetic is one rounding through money.from_rate."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from pressplant.money import Money, from_rate
from pressplant.payments.models import BonusRule

BASIS_POINTS = Decimal(10_000)


def bonus_at_rate(amount: Money, percent_bp: int) -> Money:
    """`percent_bp` basis points of `amount`, rounded half-even to the minor unit."""
    return from_rate(Decimal(percent_bp) / BASIS_POINTS, amount.as_decimal(), amount.currency)


def bonus_for(amount: Money, at: datetime | None = None) -> Money:
    """The bonus on a top-up of `amount`: the best of the rules that apply (zero if none does).

    Rules do not stack; the customer gets the most generous single one in force at `at` (default now).
    """
    moment = at or timezone.now()
    rates = BonusRule.objects.applying_to(amount, moment).values_list("percent_bp", flat=True)
    best = Money.zero(amount.currency)
    for percent_bp in rates:
        best = max(best, bonus_at_rate(amount, percent_bp))
    return best
