"""Money: an integer of minor units and a currency. Rates are Decimals, turned into money in one place.

Pure: no Django, no settings. Currencies are data (ISO 4217 code -> minor-unit exponent).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

CURRENCY_EXPONENTS: dict[str, int] = {"GBP": 2, "EUR": 2, "USD": 2, "RUB": 2, "JPY": 0, "SEK": 2, "CHF": 2}
"""Currencies the store can hold, with their minor-unit exponent (ISO 4217)."""


class MoneyError(ValueError):
    """Money used the wrong way: mixed currencies, an unknown currency, a bad amount text."""


@dataclass(frozen=True, slots=True, order=True)
class Money:
    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        if self.currency not in CURRENCY_EXPONENTS:
            raise MoneyError(f"unknown currency {self.currency!r}")
        if isinstance(self.amount_minor, bool) or not isinstance(self.amount_minor, int):
            raise MoneyError(f"amount_minor must be an int, got {self.amount_minor!r}")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def parse(cls, text: str, currency: str) -> Money:
        """"10.00" GBP -> Money(1000, "GBP"); more decimals than the currency has is an error."""
        try:
            value = Decimal(text.strip())
        except ArithmeticError:
            raise MoneyError(f"{text!r} is not an amount") from None
        minor = value.scaleb(CURRENCY_EXPONENTS.get(currency, 2))
        if minor != minor.to_integral_value():
            raise MoneyError(f"{text!r} has more decimals than {currency} allows")
        return cls(int(minor), currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise MoneyError(f"cannot mix {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount_minor - other.amount_minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount_minor, self.currency)

    @property
    def is_zero(self) -> bool:
        return self.amount_minor == 0

    def as_decimal(self) -> Decimal:
        return Decimal(self.amount_minor).scaleb(-CURRENCY_EXPONENTS[self.currency])

    def format(self) -> str:
        """"10.00 GBP": the amount with its currency's decimals."""
        exponent = CURRENCY_EXPONENTS[self.currency]
        return f"{self.as_decimal():.{exponent}f} {self.currency}"

    def as_api(self) -> dict[str, int | str]:
        return {"amount_minor": self.amount_minor, "currency": self.currency}


def from_rate(rate: Decimal, quantity: Decimal, currency: str) -> Money:
    """rate (major units per unit) x quantity, rounded half-even to the minor unit: the one rounding."""
    minor = (rate * quantity).scaleb(CURRENCY_EXPONENTS[currency])
    return Money(int(minor.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)), currency)


def allocate(total: Money, weights: Sequence[int]) -> list[Money]:
    """Split `total` by non-negative integer `weights` (e.g. basis points), exactly, by largest remainder.

    The parts always sum to the total; a remainder goes to the largest fractional shares first (ties to
    the earlier weight), so the split is deterministic.
    """
    if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
        raise MoneyError(f"weights must be non-negative with a positive sum, got {list(weights)}")
    whole = sum(weights)
    sign = -1 if total.amount_minor < 0 else 1
    amount = abs(total.amount_minor)
    shares = [amount * w // whole for w in weights]
    remainders = [amount * w % whole for w in weights]
    left = amount - sum(shares)
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        shares[index] += 1
    parts = [Money(sign * share, total.currency) for share in shares]
    assert sum(p.amount_minor for p in parts) == total.amount_minor
    return parts
