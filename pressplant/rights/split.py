"""Who gets what of one download sale: VAT, the label's payees, the mechanical royalty, the store's margin.

Pure: every input is a value; nothing reads settings. What must hold: the parts sum *exactly* to the
consumer price paid, no part is negative, and the payee parts sum exactly to the label share.

Rounding (money rule 2): each Decimal rate becomes money once, through ``money.from_rate`` (half-even):
- ex-VAT = price / (1 + VAT rate), rounded once; VAT = price - ex-VAT (so the two always sum).
- label share = ex-VAT x percentage, rounded once (or the deal's wholesale price, exact).
- mechanical: the exact Decimal sum over the download's tracks, rounded once. A US 2026 track of 6:01
  is 7 started minutes: max(13.1c, 7 x 2.52c = 17.64c) = 17.64c, which rounds half-even to 18c.
- payees: ``money.allocate`` of the label share by basis points (largest remainder).
- store margin = ex-VAT - label - mechanical: the remainder, never rounded.

Choices: royalties are computed on the ex-VAT price (DOMAIN §5), including a percentage mechanical's
"gross"; the mechanical is shown as its own part (paid out of the store's side here; who pays it is per
contract). A percentage rule's minimum is per track times the number of tracks: the PRS bundle minima
that fall per track are not modelled (pass an adjusted rule for bundles).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from pressplant.money import Money, MoneyError, allocate, from_rate

WHOLE_BP = 10_000
MS_PER_MINUTE = 60_000


class SplitError(ValueError):
    """A split asked for with inputs that cannot make sense: bad rates, payees not summing to 10,000."""


class PriceBelowFloor(SplitError):
    """The price paid cannot cover VAT, the label's share and the mechanical; ``floor`` is the least that can."""

    def __init__(self, price: Money, floor: Money) -> None:
        super().__init__(f"price {price.format()} is below the floor {floor.format()}")
        self.price = price
        self.floor = floor


@dataclass(frozen=True, slots=True)
class WholesaleDeal:
    """The label gets a fixed price per unit, whatever the consumer pays."""

    price: Money


@dataclass(frozen=True, slots=True)
class PercentageDeal:
    """The label gets a share (0..1) of the ex-VAT consumer price."""

    rate: Decimal


LabelDeal = WholesaleDeal | PercentageDeal


@dataclass(frozen=True, slots=True)
class StatutoryRate:
    """One year of a statutory mechanical: the larger of a flat rate or a rate per minute or fraction.

    Rates are in major units of ``currency`` (0.131 = 13.1c). ``per_minute`` None: flat rate only.
    """

    flat: Decimal
    per_minute: Decimal | None
    currency: str


@dataclass(frozen=True, slots=True)
class StatutoryMechanical:
    """A statutory mechanical looked up by sale year (e.g. US 17 U.S.C. 115)."""

    by_year: Mapping[int, StatutoryRate]


@dataclass(frozen=True, slots=True)
class PercentageMechanical:
    """A percentage (0..1) of the ex-VAT price with a minimum per track (e.g. UK PRS: 8%, 5p)."""

    rate: Decimal
    minimum_per_track: Money


MechanicalRule = StatutoryMechanical | PercentageMechanical


def _us(flat: str, per_minute: str | None) -> StatutoryRate:
    return StatutoryRate(Decimal(flat), None if per_minute is None else Decimal(per_minute), "USD")


_US_2006_2022 = _us("0.091", "0.0175")
MECHANICAL_US = StatutoryMechanical(
    by_year={
        **dict.fromkeys(range(2006, 2023), _US_2006_2022),
        2023: _us("0.12", None),  # DOMAIN.md gives 12c only for 2023
        2024: _us("0.124", "0.0239"),
        2025: _us("0.127", "0.0245"),
        2026: _us("0.131", "0.0252"),  # unconfirmed
    }
)
"""US statutory mechanical per permanent download, by year (DOMAIN.md §5)."""

MECHANICAL_UK_PRS = PercentageMechanical(rate=Decimal("0.08"), minimum_per_track=Money(5, "GBP"))
"""UK PRS download licence: the greater of 8% or 5p a track (unconfirmed current tariff)."""


@dataclass(frozen=True, slots=True)
class SaleSplit:
    price: Money
    vat: Money
    payees: tuple[tuple[str, Money], ...]
    mechanical: Money
    store_margin: Money

    @property
    def label(self) -> Money:
        total = Money.zero(self.price.currency)
        for _, amount in self.payees:
            total = total + amount
        return total

    @property
    def ex_vat(self) -> Money:
        return self.price - self.vat

    def parts(self) -> list[tuple[str, Money]]:
        """(account name, amount) for every part; they sum to the price paid."""
        royalties = [(f"royalty:{name}", amount) for name, amount in self.payees]
        return [("vat", self.vat), *royalties, ("mechanical", self.mechanical), ("store_margin", self.store_margin)]


def split_sale(
    price: Money,
    vat_rate: Decimal,
    deal: LabelDeal,
    mechanical: MechanicalRule,
    track_durations_ms: Sequence[int],
    sale_year: int,
    payees_bp: Mapping[str, int],
) -> SaleSplit:
    """Split one download (a track, or a release: one duration per track) of ``price`` paid, VAT included.

    Raises PriceBelowFloor when the price cannot cover VAT + label share + mechanical; SplitError on bad
    inputs; MoneyError when the currencies differ.
    """
    _validate(price, vat_rate, deal, mechanical, track_durations_ms, payees_bp)
    ex_vat = ex_vat_of(price, vat_rate)
    label = label_share(ex_vat, deal)
    mech = mechanical_royalty(ex_vat, mechanical, track_durations_ms, sale_year)
    margin = ex_vat - label - mech
    if margin.amount_minor < 0:
        raise PriceBelowFloor(price, _floor_from(price, vat_rate, deal, mechanical, track_durations_ms, sale_year))
    names = list(payees_bp)
    shares = allocate(label, [payees_bp[name] for name in names])
    split = SaleSplit(price, price - ex_vat, tuple(zip(names, shares, strict=True)), mech, margin)
    assert sum(amount.amount_minor for _, amount in split.parts()) == price.amount_minor
    assert all(amount.amount_minor >= 0 for _, amount in split.parts())
    return split


def prices_to_ask(
    prices: Sequence[Money],
    vat_rate: Decimal,
    deal: LabelDeal,
    mechanical: MechanicalRule,
    track_durations_ms: Sequence[int],
    sale_year: int,
) -> list[Money]:
    """What split_sale makes of each of ``prices`` (one item's, e.g. in every format): the price where it
    covers VAT, the label's share and the mechanical, else the floor its PriceBelowFloor names; without
    splitting any of them, and the floor worked out once for them all.

    Raises what split_sale raises on bad inputs (SplitError, MoneyError)."""
    known: dict[Money, Money] = {}  # priced per track, every format costs the same
    floor = None
    for price in prices:
        if price in known:
            continue
        if not known or price.currency != next(iter(known)).currency or price.amount_minor < 0:
            _validate_terms(price, vat_rate, deal, mechanical, track_durations_ms)
        if _margin(price, vat_rate, deal, mechanical, track_durations_ms, sale_year) >= 0:
            known[price] = price
            continue
        if floor is None or floor.currency != price.currency:
            floor = price_floor(vat_rate, deal, mechanical, track_durations_ms, sale_year, price.currency)
        known[price] = (floor if floor.amount_minor > price.amount_minor else
                        _floor_from(price, vat_rate, deal, mechanical, track_durations_ms, sale_year))
    return [known[price] for price in prices]


def _margin(price: Money, vat_rate: Decimal, deal: LabelDeal, mechanical: MechanicalRule,
            track_durations_ms: Sequence[int], sale_year: int) -> int:
    """The store's margin, in minor units, left by ``price`` once VAT, the label and the mechanical are paid."""
    ex_vat = ex_vat_of(price, vat_rate)
    label = label_share(ex_vat, deal)
    return (ex_vat - label - mechanical_royalty(ex_vat, mechanical, track_durations_ms, sale_year)).amount_minor


def _floor_from(price: Money, vat_rate: Decimal, deal: LabelDeal, mechanical: MechanicalRule,
                track_durations_ms: Sequence[int], sale_year: int) -> Money:
    """The least covering price above ``price``, which does not cover: the floor, or past a rounding hole
    above it, the next price up that covers."""
    floor = price_floor(vat_rate, deal, mechanical, track_durations_ms, sale_year, price.currency)
    if floor.amount_minor <= price.amount_minor:
        floor = price_floor(vat_rate, deal, mechanical, track_durations_ms, sale_year, price.currency, price)
    return floor


def ex_vat_of(price: Money, vat_rate: Decimal) -> Money:
    """price / (1 + rate), rounded once, half-even."""
    return from_rate(price.as_decimal() / (Decimal(1) + vat_rate), Decimal(1), price.currency)


def label_share(ex_vat: Money, deal: LabelDeal) -> Money:
    if isinstance(deal, WholesaleDeal):
        return Money.zero(ex_vat.currency) + deal.price
    return from_rate(ex_vat.as_decimal(), deal.rate, ex_vat.currency)


def started_minutes(duration_ms: int) -> int:
    """Minutes or fraction thereof: 6:00 is 6, 6:01 is 7."""
    return -(-duration_ms // MS_PER_MINUTE)


def mechanical_royalty(ex_vat: Money, rule: MechanicalRule, track_durations_ms: Sequence[int], sale_year: int) -> Money:
    """The mechanical for the whole download, rounded once."""
    if isinstance(rule, PercentageMechanical):
        minimum = Money(rule.minimum_per_track.amount_minor * len(track_durations_ms), rule.minimum_per_track.currency)
        return max(Money.zero(ex_vat.currency) + minimum, from_rate(ex_vat.as_decimal(), rule.rate, ex_vat.currency))
    rate = rule.by_year.get(sale_year)
    if rate is None:
        raise SplitError(f"no statutory mechanical rate for {sale_year}")
    if rate.currency != ex_vat.currency:
        raise MoneyError(f"cannot mix {ex_vat.currency} and a {rate.currency} mechanical")
    total = Decimal(0)
    for duration_ms in track_durations_ms:
        per_minute = Decimal(0) if rate.per_minute is None else rate.per_minute * started_minutes(duration_ms)
        total += max(rate.flat, per_minute)
    return from_rate(total, Decimal(1), ex_vat.currency)


def price_floor(
    vat_rate: Decimal,
    deal: LabelDeal,
    mechanical: MechanicalRule,
    track_durations_ms: Sequence[int],
    sale_year: int,
    currency: str,
    above: Money | None = None,
) -> Money:
    """The least consumer price (VAT included, above ``above`` if given) whose split leaves a margin >= 0.

    Starts at a proven lower bound (every rounding is at most half a minor unit), then steps up. Two
    percentages rounding up together can leave a one-unit hole just above the floor; ``above`` finds
    the next covering price past a price that fell in one.
    """
    fixed = mechanical_royalty(Money.zero(currency), mechanical, track_durations_ms, sale_year).amount_minor
    label_rate = Decimal(0)
    if isinstance(deal, WholesaleDeal):
        fixed += deal.price.amount_minor
    else:
        label_rate = deal.rate
    ex_lower = int((Decimal(fixed) - Decimal("0.5")) / (Decimal(1) - label_rate)) - 1
    candidate = max(0, int((ex_lower - 1) * (Decimal(1) + vat_rate)))
    if above is not None:
        candidate = max(candidate, above.amount_minor + 1)
    for _ in range(1_000_000):
        ex_vat = ex_vat_of(Money(candidate, currency), vat_rate)
        label = label_share(ex_vat, deal)
        mech = mechanical_royalty(ex_vat, mechanical, track_durations_ms, sale_year)
        if (ex_vat - label - mech).amount_minor >= 0:
            return Money(candidate, currency)
        candidate += 1
    raise SplitError("no price covers this deal")  # pragma: no cover - rates are validated to leave room


def _validate(
    price: Money,
    vat_rate: Decimal,
    deal: LabelDeal,
    mechanical: MechanicalRule,
    track_durations_ms: Sequence[int],
    payees_bp: Mapping[str, int],
) -> None:
    _validate_terms(price, vat_rate, deal, mechanical, track_durations_ms)
    if not payees_bp or any(bp < 0 for bp in payees_bp.values()) or sum(payees_bp.values()) != WHOLE_BP:
        raise SplitError(f"payee basis points must be non-negative and sum to {WHOLE_BP}, got {dict(payees_bp)}")


def _validate_terms(
    price: Money,
    vat_rate: Decimal,
    deal: LabelDeal,
    mechanical: MechanicalRule,
    track_durations_ms: Sequence[int],
) -> None:
    if price.amount_minor < 0:
        raise SplitError(f"a price cannot be negative: {price.format()}")
    if not Decimal(0) <= vat_rate < Decimal(1):
        raise SplitError(f"VAT rate must be in [0, 1), got {vat_rate}")
    if not track_durations_ms or any(d < 0 for d in track_durations_ms):
        raise SplitError(f"need one non-negative duration per track, got {list(track_durations_ms)}")
    rates = Decimal(0)
    if isinstance(deal, PercentageDeal):
        rates += deal.rate
        if deal.rate < 0:
            raise SplitError(f"label percentage must be >= 0, got {deal.rate}")
    elif deal.price.currency != price.currency or deal.price.amount_minor < 0:
        raise SplitError(f"wholesale price {deal.price.format()} does not fit a {price.currency} sale")
    if isinstance(mechanical, PercentageMechanical):
        rates += mechanical.rate
        if mechanical.rate < 0 or mechanical.minimum_per_track.amount_minor < 0:
            raise SplitError("mechanical rate and minimum must be >= 0")
        if mechanical.minimum_per_track.currency != price.currency:
            raise MoneyError(f"cannot mix {price.currency} and a {mechanical.minimum_per_track.currency} minimum")
    if rates >= Decimal("0.99"):
        raise SplitError(f"label and mechanical percentages ({rates}) must leave the store room")
