"""quote.py without a database: the store's rules priced by hand, then the invariants by Hypothesis."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pressplant.money import CURRENCY_EXPONENTS, Money, MoneyError
from pressplant.pricing.quote import (
    PriceModel,
    PriceRule,
    PricingError,
    quote_release,
    quote_track,
    upgrade_price,
)


def gbp(minor: int) -> Money:
    return Money(minor, "GBP")


ALLOFMP3 = PriceRule(model=PriceModel.PER_MEGABYTE, currency="GBP", minimum=gbp(5),
                     rate_per_mb=Decimal("0.02"), track_cap=gbp(99), album_price=gbp(799))


def test_per_megabyte_prices_the_file_the_buyer_picks():
    quote = quote_track(ALLOFMP3, 9_600_000, False, "mp3-320")
    assert quote.price == gbp(19)  # 9.6 MB x 0.02 = 0.192
    assert quote.basis == "per MB: 9.6 MB x 0.02 = 0.19"
    assert (quote.format_name, quote.size_bytes, quote.size_is_exact) == ("mp3-320", 9_600_000, False)


def test_per_megabyte_rounds_half_even_once():
    assert quote_track(ALLOFMP3, 8_250_000, True, "mp3-320").price == gbp(16)  # 0.165 -> 0.16
    assert quote_track(ALLOFMP3, 8_750_000, True, "mp3-320").price == gbp(18)  # 0.175 -> 0.18


def test_a_small_file_costs_the_minimum_and_a_huge_one_the_cap():
    small = quote_track(ALLOFMP3, 1_000_000, True, "opus-96")
    assert small.price == gbp(5)
    assert small.basis.endswith("; minimum 0.05")
    huge = quote_track(ALLOFMP3, 80_000_000, False, "wav")
    assert huge.price == gbp(99)
    assert huge.basis == "per MB: 80.0 MB x 0.02 = 1.60; track cap 0.99"


def test_a_per_megabyte_album_is_the_sum_of_its_tracks_each_with_minimum_and_cap():
    quote = quote_release(ALLOFMP3, [9_600_000, 1_000_000, 80_000_000], True, "mp3-320")
    assert quote.track_prices == (gbp(19), gbp(5), gbp(99))
    assert quote.price == gbp(123)
    assert quote.size_bytes == 90_600_000
    assert quote.size_is_exact


def test_album_price_caps_the_sum():
    quote = quote_release(ALLOFMP3, [60_000_000] * 12, False, "flac")
    assert quote.price == gbp(799)
    assert quote.basis == "album price 7.99 caps the sum 11.88"
    assert sum(p.amount_minor for p in quote.track_prices) == 1188


def test_per_track_and_per_album_rules():
    per_track = PriceRule(model=PriceModel.PER_TRACK, currency="USD", minimum=Money(0, "USD"),
                          track_price=Money(99, "USD"), album_price=Money(999, "USD"))
    assert quote_track(per_track, 123, True, "flac").price == Money(99, "USD")
    assert quote_release(per_track, [1] * 5, True, "flac").price == Money(495, "USD")
    assert quote_release(per_track, [1] * 14, True, "flac").price == Money(999, "USD")
    per_album = PriceRule(model=PriceModel.PER_ALBUM, currency="USD", minimum=Money(0, "USD"),
                          album_price=Money(700, "USD"))
    assert quote_release(per_album, [1, 2], False, "aac-256").price == Money(700, "USD")
    with pytest.raises(PricingError, match="album only"):
        quote_track(per_album, 1, False, "aac-256")


def test_a_format_multiplier_scales_the_per_megabyte_rate_of_that_format_only():
    rule = PriceRule(model=PriceModel.PER_MEGABYTE, currency="GBP", minimum=gbp(5), rate_per_mb=Decimal("0.02"),
                     track_cap=gbp(99), album_price=gbp(799), format_rate_multipliers={"flac": Decimal("0.5")})
    flac = quote_track(rule, 30_000_000, False, "flac")
    assert flac.price == gbp(30)
    assert flac.basis == "per MB: 30.0 MB x 0.01 = 0.30"
    assert quote_track(rule, 30_000_000, False, "wav").price == gbp(60)
    assert quote_release(rule, [30_000_000] * 2, False, "flac").basis == "sum of 2 tracks at 0.01 per MB"
    with pytest.raises(PricingError, match="multiplier for flac"):
        PriceRule(model=PriceModel.PER_MEGABYTE, currency="GBP", minimum=gbp(0), rate_per_mb=Decimal(1),
                  format_rate_multipliers={"flac": Decimal(-1)})


def test_currencies_are_data_yen_has_no_minor_unit():
    yen = PriceRule(model=PriceModel.PER_MEGABYTE, currency="JPY", minimum=Money(10, "JPY"),
                    rate_per_mb=Decimal("3"), track_cap=Money(150, "JPY"))
    quote = quote_track(yen, 9_600_000, False, "mp3-320")
    assert quote.price == Money(29, "JPY")  # 28.8 -> 29
    assert quote.basis == "per MB: 9.6 MB x 3 = 29"


@pytest.mark.parametrize(("fields", "message"), [
    ({"model": PriceModel.PER_MEGABYTE}, "needs rate_per_mb"),
    ({"model": PriceModel.PER_TRACK}, "needs track_price"),
    ({"model": PriceModel.PER_ALBUM}, "needs album_price"),
    ({"rate_per_mb": Decimal("0.02"), "track_cap": Money(99, "EUR")}, "in EUR"),
    ({"rate_per_mb": Decimal("0.02"), "track_cap": gbp(4)}, "below the minimum"),
    ({"rate_per_mb": Decimal("-0.01")}, "negative"),
    ({"rate_per_mb": Decimal("0.02"), "currency": "XXX"}, "unknown currency"),
])
def test_inconsistent_rules_are_refused(fields, message):
    values = {"model": PriceModel.PER_MEGABYTE, "currency": "GBP", "minimum": gbp(5), **fields}
    with pytest.raises(PricingError, match=message):
        PriceRule(**values)


def test_bad_sizes_are_refused():
    with pytest.raises(PricingError):
        quote_track(ALLOFMP3, -1, True, "flac")
    with pytest.raises(PricingError):
        quote_release(ALLOFMP3, [], True, "flac")


def test_an_upgrade_costs_the_difference_never_less_than_nothing():
    assert upgrade_price(gbp(19), gbp(99)) == gbp(80)
    assert upgrade_price(gbp(99), gbp(19)) == gbp(0)
    with pytest.raises(MoneyError):
        upgrade_price(gbp(19), Money(99, "USD"))


# Hypothesis: any consistent rule, any sizes.

currencies = st.sampled_from(sorted(CURRENCY_EXPONENTS))
sizes = st.integers(min_value=0, max_value=2_000_000_000)


@st.composite
def rules(draw: st.DrawFn, model: PriceModel | None = None) -> PriceRule:
    currency = draw(currencies)
    minimum = draw(st.integers(0, 500))
    cap = draw(st.none() | st.integers(minimum, 5_000))
    album = draw(st.none() | st.integers(minimum, 50_000))
    chosen = model or draw(st.sampled_from(PriceModel))
    track = draw(st.integers(0, 5_000)) if chosen is PriceModel.PER_TRACK else draw(st.none() | st.integers(0, 5_000))
    if chosen is PriceModel.PER_ALBUM and album is None:
        album = minimum
    rate = draw(st.decimals(min_value=0, max_value=10, places=4)) if chosen is PriceModel.PER_MEGABYTE else None
    multipliers = draw(st.dictionaries(st.sampled_from(["flac", "wav", "mp3-320"]),
                                       st.decimals(min_value=0, max_value=4, places=2), max_size=2))

    def money(minor: int | None) -> Money | None:
        return None if minor is None else Money(minor, currency)

    return PriceRule(model=chosen, currency=currency, minimum=Money(minimum, currency), track_price=money(track),
                     album_price=money(album), rate_per_mb=rate, track_cap=money(cap),
                     format_rate_multipliers=multipliers)


sellable_tracks = rules().filter(lambda r: r.model is not PriceModel.PER_ALBUM or r.track_price is not None)


@given(sellable_tracks, sizes)
def test_a_track_costs_at_least_the_minimum_and_at_most_its_cap(rule, size_bytes):
    price = quote_track(rule, size_bytes, False, "flac").price
    assert price.currency == rule.currency
    assert price >= rule.minimum
    if rule.track_cap is not None:
        assert price <= rule.track_cap


@given(rules(), st.lists(sizes, min_size=1, max_size=30))
def test_a_release_costs_at_least_the_minimum_and_at_most_the_album_price(rule, track_sizes):
    price = quote_release(rule, track_sizes, True, "mp3-v0").price
    assert price >= rule.minimum
    if rule.album_price is not None:
        assert price <= rule.album_price


@given(rules(PriceModel.PER_MEGABYTE), sizes, sizes)
def test_per_megabyte_never_falls_as_the_file_grows(rule, a, b):
    smaller, larger = sorted((a, b))
    assert quote_track(rule, smaller, True, "wav").price <= quote_track(rule, larger, True, "wav").price


@given(rules(), st.lists(sizes, min_size=1, max_size=10))
def test_quotes_are_deterministic(rule, track_sizes):
    assert quote_release(rule, track_sizes, False, "alac") == quote_release(rule, track_sizes, False, "alac")
    if rule.model is not PriceModel.PER_ALBUM or rule.track_price is not None:
        assert quote_track(rule, track_sizes[0], True, "alac") == quote_track(rule, track_sizes[0], True, "alac")


@given(currencies, st.integers(0, 10**6), st.integers(0, 10**6))
def test_an_upgrade_is_never_negative_and_tops_up_to_the_new_price(currency, paid, new):
    top_up = upgrade_price(Money(paid, currency), Money(new, currency))
    assert top_up.amount_minor >= 0
    assert top_up.amount_minor == max(new - paid, 0)
