"""split_sale: worked examples (rounding spelled out) and Hypothesis properties over random sales."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pressplant.money import Money, MoneyError
from pressplant.rights.split import (
    MECHANICAL_UK_PRS,
    MECHANICAL_US,
    LabelDeal,
    MechanicalRule,
    PercentageDeal,
    PercentageMechanical,
    PriceBelowFloor,
    SaleSplit,
    SplitError,
    WholesaleDeal,
    price_floor,
    prices_to_ask,
    split_sale,
)

SOLE = {"label": 10_000}
SEVENTY = PercentageDeal(Decimal("0.70"))


def gbp(minor: int) -> Money:
    return Money(minor, "GBP")


def usd(minor: int) -> Money:
    return Money(minor, "USD")


def ms(minutes: int, seconds: int) -> int:
    return (minutes * 60 + seconds) * 1000


def total(split: SaleSplit) -> int:
    return sum(amount.amount_minor for _, amount in split.parts())


def test_uk_track_at_20pc_vat_with_a_70pc_deal() -> None:
    # Given 0.99 GBP paid at 20% VAT: ex-VAT = 0.99 / 1.2 = 82.5p, half-even -> 82p; VAT = 17p.
    split = split_sale(gbp(99), Decimal("0.20"), SEVENTY, MECHANICAL_UK_PRS, [ms(3, 30)], 2026, SOLE)
    # Then label = 70% of 82p = 57.4p -> 57p; PRS = max(5p, 8% of 82p = 6.56p -> 7p); the store keeps the rest.
    assert split.vat == gbp(17)
    assert split.ex_vat == gbp(82)
    assert split.label == gbp(57)
    assert split.mechanical == gbp(7)
    assert split.store_margin == gbp(18)
    assert split.parts() == [
        ("vat", gbp(17)),
        ("royalty:label", gbp(57)),
        ("mechanical", gbp(7)),
        ("store_margin", gbp(18)),
    ]
    assert total(split) == 99


def test_payees_share_the_label_part_by_largest_remainder() -> None:
    payees = {"artist": 5_000, "producer": 3_000, "label": 2_000}
    split = split_sale(gbp(99), Decimal("0.20"), SEVENTY, MECHANICAL_UK_PRS, [ms(3, 30)], 2026, payees)
    # 57p x (50%, 30%, 20%) = 28.5, 17.1, 11.4: the spare penny goes to the largest remainder (artist).
    assert split.payees == (("artist", gbp(29)), ("producer", gbp(17)), ("label", gbp(11)))
    assert split.label == gbp(57)
    assert total(split) == 99


def test_us_2026_track_of_6_01_pays_seven_started_minutes() -> None:
    # 6:01 is 7 minutes or fraction: max(13.1c, 7 x 2.52c = 17.64c) = 17.64c, rounded half-even -> 18c.
    split = split_sale(usd(129), Decimal(0), SEVENTY, MECHANICAL_US, [ms(6, 1)], 2026, SOLE)
    assert split.mechanical == usd(18)
    assert split.vat == usd(0)
    assert split.label == usd(90)  # 70% of 1.29 = 90.3c -> 90c
    assert split.store_margin == usd(21)
    assert total(split) == 129


@pytest.mark.parametrize(
    ("duration_ms", "year", "cents"),
    [
        (ms(6, 0), 2026, 15),  # 6 x 2.52c = 15.12c -> 15c
        (ms(2, 0), 2026, 13),  # flat 13.1c -> 13c
        (ms(5, 1), 2022, 10),  # max(9.1c, 6 x 1.75c = 10.5c): half-even -> 10c (to the even cent)
        (ms(9, 0), 2023, 12),  # 2023 is flat 12c only
        (ms(5, 30), 2025, 15),  # 6 x 2.45c = 14.7c -> 15c
    ],
)
def test_us_statutory_table_by_year(duration_ms: int, year: int, cents: int) -> None:
    split = split_sale(usd(199), Decimal(0), SEVENTY, MECHANICAL_US, [duration_ms], year, SOLE)
    assert split.mechanical == usd(cents)


def test_a_release_sums_its_tracks_then_rounds_once() -> None:
    # 2024: 3:00 -> 12.4c (flat); 5:30 -> 6 x 2.39c = 14.34c; together 26.74c -> 27c (not 12 + 14 = 26c).
    split = split_sale(usd(999), Decimal(0), SEVENTY, MECHANICAL_US, [ms(3, 0), ms(5, 30)], 2024, SOLE)
    assert split.mechanical == usd(27)


def test_wholesale_deal_pays_the_label_a_fixed_price() -> None:
    deal = WholesaleDeal(usd(70))
    split = split_sale(usd(129), Decimal(0), deal, MECHANICAL_US, [ms(3, 0)], 2024, SOLE)
    assert (split.label, split.mechanical, split.store_margin) == (usd(70), usd(12), usd(47))
    assert total(split) == 129


def test_price_below_the_floor_raises_with_the_floor() -> None:
    # Wholesale 70p + PRS: ex-VAT must reach 76p (70 + max(5p, 8% of 76p = 6p)); 76p ex-VAT needs 91p paid.
    deal = WholesaleDeal(gbp(70))
    with pytest.raises(PriceBelowFloor) as raised:
        split_sale(gbp(89), Decimal("0.20"), deal, MECHANICAL_UK_PRS, [ms(3, 0)], 2026, SOLE)
    assert raised.value.floor == gbp(91)
    assert "0.91 GBP" in str(raised.value)
    at_floor = split_sale(gbp(91), Decimal("0.20"), deal, MECHANICAL_UK_PRS, [ms(3, 0)], 2026, SOLE)
    assert at_floor.store_margin == gbp(0)
    with pytest.raises(PriceBelowFloor):
        split_sale(gbp(90), Decimal("0.20"), deal, MECHANICAL_UK_PRS, [ms(3, 0)], 2026, SOLE)


def test_us_floor_covers_the_statutory_mechanical() -> None:
    with pytest.raises(PriceBelowFloor) as raised:
        split_sale(usd(79), Decimal(0), WholesaleDeal(usd(70)), MECHANICAL_US, [ms(6, 1)], 2026, SOLE)
    assert raised.value.floor == usd(88)


@pytest.mark.parametrize(
    ("payees", "error"),
    [({"a": 5_000, "b": 4_999}, SplitError), ({}, SplitError), ({"a": 10_001, "b": -1}, SplitError)],
)
def test_payee_basis_points_must_sum_to_10000(payees: dict[str, int], error: type[Exception]) -> None:
    with pytest.raises(error):
        split_sale(gbp(99), Decimal("0.20"), SEVENTY, MECHANICAL_UK_PRS, [ms(3, 0)], 2026, payees)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(MoneyError):
        split_sale(gbp(99), Decimal("0.20"), SEVENTY, MECHANICAL_US, [ms(3, 0)], 2026, SOLE)
    with pytest.raises(SplitError, match="2005"):
        split_sale(usd(99), Decimal(0), SEVENTY, MECHANICAL_US, [ms(3, 0)], 2005, SOLE)
    with pytest.raises(SplitError):
        split_sale(usd(99), Decimal(1), SEVENTY, MECHANICAL_US, [ms(3, 0)], 2026, SOLE)
    with pytest.raises(SplitError):
        split_sale(gbp(99), Decimal(0), PercentageDeal(Decimal("0.95")), MECHANICAL_UK_PRS, [ms(3, 0)], 2026, SOLE)
    with pytest.raises(SplitError):
        split_sale(usd(99), Decimal(0), SEVENTY, MECHANICAL_US, [], 2026, SOLE)


# Hypothesis ---------------------------------------------------------------------------------------


@st.composite
def basis_points(draw: st.DrawFn) -> dict[str, int]:
    cuts = sorted(draw(st.lists(st.integers(0, 10_000), max_size=5)))
    bounds = [0, *cuts, 10_000]
    return {f"payee{i}": bounds[i + 1] - bounds[i] for i in range(len(bounds) - 1)}


@st.composite
def sales(draw: st.DrawFn) -> tuple[Money, Decimal, LabelDeal, MechanicalRule, list[int], int, dict[str, int]]:
    us = draw(st.booleans())
    currency = "USD" if us else draw(st.sampled_from(["GBP", "EUR", "JPY", "SEK"]))
    mechanical: MechanicalRule
    if us:
        mechanical = MECHANICAL_US
    else:
        rate = Decimal(draw(st.integers(0, 1500))) / 10_000
        mechanical = PercentageMechanical(rate, Money(draw(st.integers(0, 50)), currency))
    deal: LabelDeal
    if draw(st.booleans()):
        deal = WholesaleDeal(Money(draw(st.integers(0, 5_000)), currency))
    else:
        deal = PercentageDeal(Decimal(draw(st.integers(0, 8_000))) / 10_000)
    price = Money(draw(st.integers(0, 100_000)), currency)
    vat_rate = Decimal(draw(st.integers(0, 2_700))) / 10_000
    durations = draw(st.lists(st.integers(0, 1_200_000), min_size=1, max_size=20))
    year = draw(st.integers(2006, 2026))
    return price, vat_rate, deal, mechanical, durations, year, draw(basis_points())


@settings(max_examples=400, deadline=None)
@given(sales())
def test_parts_sum_exactly_to_the_price_or_the_floor_is_named(
    sale: tuple[Money, Decimal, LabelDeal, MechanicalRule, list[int], int, dict[str, int]],
) -> None:
    price, vat_rate, deal, mechanical, durations, year, payees = sale
    try:
        split = split_sale(price, vat_rate, deal, mechanical, durations, year, payees)
    except PriceBelowFloor as below:
        # The floor is above the price, splits cleanly, and one unit less does not cover.
        assert below.floor.amount_minor > price.amount_minor
        at_floor = split_sale(below.floor, vat_rate, deal, mechanical, durations, year, payees)
        assert total(at_floor) == below.floor.amount_minor
        if below.floor.amount_minor - 1 != price.amount_minor:
            with pytest.raises(PriceBelowFloor):
                split_sale(below.floor - Money(1, price.currency), vat_rate, deal, mechanical, durations, year, payees)
        return
    assert total(split) == price.amount_minor
    assert all(amount.amount_minor >= 0 for _, amount in split.parts())
    assert sum(amount.amount_minor for _, amount in split.payees) == split.label.amount_minor
    assert [name for name, _ in split.payees] == list(payees)
    if isinstance(deal, WholesaleDeal):
        assert split.label == deal.price


@settings(max_examples=300, deadline=None)
@given(sales(), st.lists(st.integers(0, 3_000), min_size=1, max_size=15))
def test_prices_to_ask_are_what_split_sale_takes_or_names(
    sale: tuple[Money, Decimal, LabelDeal, MechanicalRule, list[int], int, dict[str, int]], amounts: list[int],
) -> None:
    # A page asks this of every format of an item at once (repeated prices, prices in rounding holes).
    price, vat_rate, deal, mechanical, durations, year, payees = sale
    prices = [Money(amount, price.currency) for amount in [*amounts, price.amount_minor, *amounts]]
    asked = prices_to_ask(prices, vat_rate, deal, mechanical, durations, year)
    for each, answer in zip(prices, asked, strict=True):
        try:
            split_sale(each, vat_rate, deal, mechanical, durations, year, payees)
        except PriceBelowFloor as below:
            assert answer == below.floor
        else:
            assert answer == each


def test_prices_to_ask_refuse_what_split_sale_refuses() -> None:
    with pytest.raises(SplitError):
        prices_to_ask([gbp(99), gbp(-1)], Decimal("0.20"), SEVENTY, MECHANICAL_UK_PRS, [ms(3, 0)], 2026)
    with pytest.raises(MoneyError):
        prices_to_ask([gbp(99), usd(99)], Decimal(0), SEVENTY, MECHANICAL_UK_PRS, [ms(3, 0)], 2026)
    with pytest.raises(SplitError):
        prices_to_ask([gbp(99)], Decimal("0.20"), SEVENTY, MECHANICAL_UK_PRS, [], 2026)


def test_price_floor_above_a_price_names_the_next_covering_price() -> None:
    # Used when a price past the floor falls in a one-unit rounding hole (two percentages rounding up).
    deal = WholesaleDeal(gbp(70))
    assert price_floor(Decimal("0.20"), deal, MECHANICAL_UK_PRS, [ms(3, 0)], 2026, "GBP") == gbp(91)
    assert price_floor(Decimal("0.20"), deal, MECHANICAL_UK_PRS, [ms(3, 0)], 2026, "GBP", gbp(91)) == gbp(92)
