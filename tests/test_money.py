"""Money and its exact splits: pure, no database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pressplant.money import Money, MoneyError, allocate, from_rate


def test_parse_and_format_round_trip():
    assert Money.parse("10.00", "GBP") == Money(1000, "GBP")
    assert Money.parse("500", "JPY").format() == "500 JPY"
    assert Money(1999, "EUR").format() == "19.99 EUR"
    with pytest.raises(MoneyError, match="more decimals than GBP allows"):
        Money.parse("0.001", "GBP")


def test_currencies_do_not_mix():
    with pytest.raises(MoneyError, match="cannot mix GBP and EUR"):
        Money(1, "GBP") + Money(1, "EUR")


def test_a_rate_becomes_money_by_one_half_even_rounding():
    # AllofMP3's $0.02 per MB on a 9.6 MB file, and a tie that rounds to even.
    assert from_rate(Decimal("0.02"), Decimal("9.6"), "USD") == Money(19, "USD")
    assert from_rate(Decimal("0.01"), Decimal("2.5"), "GBP") == Money(2, "GBP")


def test_allocate_gives_the_remainder_to_the_largest_fractions():
    assert allocate(Money(100, "GBP"), [1, 1, 1]) == [Money(34, "GBP"), Money(33, "GBP"), Money(33, "GBP")]
    assert allocate(Money(-5, "GBP"), [1, 1]) == [Money(-3, "GBP"), Money(-2, "GBP")]


@given(st.integers(-10**12, 10**12), st.lists(st.integers(0, 10_000), min_size=1, max_size=12))
def test_parts_always_sum_to_the_whole(amount, weights):
    if sum(weights) == 0:
        with pytest.raises(MoneyError):
            allocate(Money(amount, "GBP"), weights)
        return
    parts = allocate(Money(amount, "GBP"), weights)
    assert sum(p.amount_minor for p in parts) == amount
    for part, weight in zip(parts, weights, strict=True):
        exact = Decimal(amount) * weight / sum(weights)
        assert abs(Decimal(part.amount_minor) - exact) < 1
