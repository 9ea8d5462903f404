"""Prices as a pure function of rules, sizes and formats.

Pure: no Django, no settings. A rule is a value; a quote is a value. What must hold for every quote:
the price is at least the rule's minimum per item; a track never costs more than the track cap; a release
never costs more than the album price; a per-megabyte price never falls as the file grows.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from pressplant.money import CURRENCY_EXPONENTS, Money, from_rate

BYTES_PER_MB = 1_000_000
"""A megabyte as AllofMP3 sold it: 10^6 bytes."""


class PricingError(ValueError):
    """A rule that cannot price what was asked: inconsistent amounts, or an item the rule does not sell."""


class PriceModel(enum.Enum):
    PER_TRACK = "per_track"
    PER_ALBUM = "per_album"
    PER_MEGABYTE = "per_megabyte"


@dataclass(frozen=True, slots=True)
class PriceRule:
    """How one scope (store, label, release or track) prices downloads in one currency.

    PER_TRACK: a track costs `track_price`; a release the sum of its tracks, capped by `album_price`.
    PER_ALBUM: a release costs `album_price`; a single track `track_price` (none: sold only as the album).
    PER_MEGABYTE: a track costs `rate_per_mb` (major units per 10^6 bytes) times its size; a release the
    sum of its tracks' prices, capped by `album_price`. Every item costs at least `minimum` and a track
    at most `track_cap`. `format_rate_multipliers` scales the per-MB rate for a format by name (lossless
    files are big: {"flac": Decimal("0.5")} halves their rate); a format not named keeps the rate.
    """

    model: PriceModel
    currency: str
    minimum: Money
    track_price: Money | None = None
    album_price: Money | None = None
    rate_per_mb: Decimal | None = None
    track_cap: Money | None = None
    format_rate_multipliers: Mapping[str, Decimal] = field(default_factory=lambda: MappingProxyType({}),
                                                           hash=False)

    def __post_init__(self) -> None:
        if self.currency not in CURRENCY_EXPONENTS:
            raise PricingError(f"unknown currency {self.currency!r}")
        for name in ("minimum", "track_price", "album_price", "track_cap"):
            amount: Money | None = getattr(self, name)
            if amount is not None and amount.currency != self.currency:
                raise PricingError(f"{name} is in {amount.currency}, the rule in {self.currency}")
            if amount is not None and amount.amount_minor < 0:
                raise PricingError(f"{name} must not be negative, got {amount.format()}")
        if self.rate_per_mb is not None and not self.rate_per_mb >= 0:
            raise PricingError(f"rate per MB must not be negative, got {self.rate_per_mb}")
        for name in ("track_cap", "album_price"):
            ceiling: Money | None = getattr(self, name)
            if ceiling is not None and ceiling < self.minimum:
                raise PricingError(f"{name} {ceiling.format()} is below the minimum {self.minimum.format()}")
        for format_name, multiplier in self.format_rate_multipliers.items():
            if not multiplier >= 0:
                raise PricingError(f"the rate multiplier for {format_name} must not be negative, got {multiplier}")
        required = _REQUIRED_FIELD[self.model]
        if getattr(self, required) is None:
            raise PricingError(f"a {self.model.value} rule needs {required}")

    def rate_for(self, format_name: str) -> Decimal | None:
        """The per-MB rate for `format_name`, after its multiplier."""
        if self.rate_per_mb is None:
            return None
        return self.rate_per_mb * self.format_rate_multipliers.get(format_name, Decimal(1))


_REQUIRED_FIELD = {
    PriceModel.PER_TRACK: "track_price",
    PriceModel.PER_ALBUM: "album_price",
    PriceModel.PER_MEGABYTE: "rate_per_mb",
}


@dataclass(frozen=True, slots=True)
class Quote:
    """What a buyer is asked to pay for one format of a track or a release, and why.

    `size_is_exact` says whether `size_bytes` is the real file's size (a rendition exists) or an
    estimate. `track_prices` holds each track's price within a release quote (empty for a track quote).
    """

    format_name: str
    size_bytes: int
    size_is_exact: bool
    price: Money
    basis: str
    track_prices: tuple[Money, ...] = ()


def quote_track(rule: PriceRule, size_bytes: int, size_is_exact: bool, format_name: str) -> Quote:
    """The price of one track's file of `size_bytes` in `format_name`."""
    price, basis = _track_price(rule, size_bytes, format_name)
    return Quote(format_name, size_bytes, size_is_exact, price, basis)


def quote_release(rule: PriceRule, track_sizes: Sequence[int], all_exact: bool, format_name: str) -> Quote:
    """The price of a whole release whose tracks' files have `track_sizes` bytes in `format_name`."""
    if not track_sizes:
        raise PricingError("a release with no tracks has no price")
    total_bytes = sum(_checked_size(size) for size in track_sizes)
    if rule.model is PriceModel.PER_ALBUM:
        assert rule.album_price is not None  # checked by PriceRule
        price = rule.album_price
        return Quote(format_name, total_bytes, all_exact, price, f"album price {_amount(price)}")
    parts = tuple(_track_price(rule, size, format_name)[0] for size in track_sizes)
    price = Money(sum(part.amount_minor for part in parts), rule.currency)
    basis = f"sum of {len(parts)} tracks {_describe_rule(rule, format_name)}"
    if rule.album_price is not None and price > rule.album_price:
        price, basis = rule.album_price, f"album price {_amount(rule.album_price)} caps the sum {_amount(price)}"
    if price < rule.minimum:
        price, basis = rule.minimum, f"minimum {_amount(rule.minimum)}"
    return Quote(format_name, total_bytes, all_exact, price, basis, parts)


def upgrade_price(paid: Money, new_quote: Money) -> Money:
    """What an owner pays to move to another format: the difference, never negative."""
    difference = new_quote - paid
    return difference if difference.amount_minor > 0 else Money.zero(new_quote.currency)


def _track_price(rule: PriceRule, size_bytes: int, format_name: str) -> tuple[Money, str]:
    """A track's price before and after the minimum and the cap, with the words that explain it."""
    raw, basis = _raw_track_price(rule, _checked_size(size_bytes), format_name)
    if raw < rule.minimum:
        return rule.minimum, f"{basis}; minimum {_amount(rule.minimum)}"
    if rule.track_cap is not None and raw > rule.track_cap:
        return rule.track_cap, f"{basis}; track cap {_amount(rule.track_cap)}"
    return raw, basis


def _raw_track_price(rule: PriceRule, size_bytes: int, format_name: str) -> tuple[Money, str]:
    rate = rule.rate_for(format_name)
    if rule.model is PriceModel.PER_MEGABYTE and rate is not None:  # PriceRule checks that rate is set
        megabytes = Decimal(size_bytes) / BYTES_PER_MB  # exact: a power of ten
        price = from_rate(rate, megabytes, rule.currency)
        return price, f"per MB: {megabytes:.1f} MB x {_rate(rate)} = {_amount(price)}"
    if rule.track_price is None:
        raise PricingError("this rule sells the album only, not single tracks")
    return rule.track_price, f"per track {_amount(rule.track_price)}"


def _describe_rule(rule: PriceRule, format_name: str) -> str:
    rate = rule.rate_for(format_name)
    if rule.model is PriceModel.PER_MEGABYTE and rate is not None:
        return f"at {_rate(rate)} per MB"
    return f"at {_amount(rule.track_price)} each" if rule.track_price is not None else ""


def _checked_size(size_bytes: int) -> int:
    if size_bytes < 0:
        raise PricingError(f"a file size cannot be negative, got {size_bytes}")
    return size_bytes


def _amount(money: Money) -> str:
    """The amount without its currency, with the currency's decimals: "0.19"."""
    return f"{money.as_decimal():.{CURRENCY_EXPONENTS[money.currency]}f}"


def _rate(rate: Decimal) -> str:
    """A rate without trailing zeros or exponent: "0.02", not "0.020000" or "2E-2"."""
    return f"{rate.normalize():f}"
