"""is_sellable: example tests for every status and reason, and Hypothesis properties over random deals."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pressplant.rights.availability import (
    Availability,
    NaiveInstant,
    Status,
    is_sellable,
)
from pressplant.rights.ddex import Deal, PriceCode, WholesalePrice

SALE = (("PayAsYouGoModel",), ("PermanentDownload",))
FREE = (("FreeOfChargeModel",), ("PermanentDownload",))
STREAM = (("SubscriptionModel",), ("OnDemandStream",))
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def deal(
    terms: tuple[tuple[str, ...], tuple[str, ...]] = SALE,
    territories: tuple[str, ...] = ("Worldwide",),
    excluded: tuple[str, ...] = (),
    start: date | datetime | None = date(2020, 1, 1),
    end: date | datetime | None = None,
    price: PriceCode | None = None,
    takedown: bool = False,
    cancelled: bool = False,
) -> Deal:
    return Deal(
        release_references=("R0",),
        commercial_model_types=terms[0],
        use_types=terms[1],
        territory_codes=territories,
        excluded_territory_codes=excluded,
        start=start,
        end=end,
        pre_order_release_date=None,
        pre_order_preview_date=None,
        price_code=price,
        wholesale_price=None,
        is_takedown=takedown,
        all_deals_cancelled=cancelled,
        effective_date=None,
    )


# --- examples: one per status, with the sentence a buyer reads ---------------------------------------


def test_a_current_pay_as_you_go_download_deal_is_on_sale_at_its_price() -> None:
    tier = PriceCode("FRONT", "PADPIDA2014")
    answer = is_sellable([deal(territories=("DE", "AT"), price=tier)], "DE", NOW)
    assert answer == Availability(Status.ON_SALE, "on sale", tier, datetime(2020, 1, 1, tzinfo=UTC), None, False)


def test_a_wholesale_price_is_passed_through_when_no_price_code_is_sent() -> None:
    wholesale = WholesalePrice(amount=Decimal("0.70"), currency="EUR")
    answer = is_sellable([replace(deal(), wholesale_price=wholesale)], "FR", NOW)
    assert answer.price == wholesale


def test_an_on_sale_reason_names_the_last_day_when_the_deal_ends() -> None:
    answer = is_sellable([deal(end=date(2027, 3, 3))], "GB", NOW)
    assert answer.status is Status.ON_SALE
    assert answer.reason == "on sale until 3 March 2027"


def test_a_free_of_charge_download_deal_is_a_free_download() -> None:
    answer = is_sellable([deal(terms=FREE)], "US", NOW)
    assert (answer.status, answer.reason, answer.is_free) == (Status.FREE, "free download", True)


def test_a_future_start_is_a_pre_order_from_that_day() -> None:
    answer = is_sellable([deal(start=date(2027, 1, 15))], "JP", NOW)
    assert answer.status is Status.PRE_ORDER
    assert answer.reason == "on sale from 15 January 2027: pre-order"
    assert answer.starts_at == datetime(2027, 1, 15, tzinfo=UTC)


def test_a_territory_outside_the_deal_is_not_licensed_with_its_country_name() -> None:
    answer = is_sellable([deal(territories=("FR", "GB"))], "DE", NOW)
    assert (answer.status, answer.reason) == (Status.NOT_LICENSED, "not licensed in Germany")


def test_an_unknown_territory_code_is_named_by_its_code() -> None:
    assert is_sellable([deal(territories=("FR",))], "ZZ", NOW).reason == "not licensed in ZZ"


def test_an_excluded_territory_is_not_licensed_even_under_worldwide() -> None:
    answer = is_sellable([deal(territories=("Worldwide",), excluded=("RU",))], "RU", NOW)
    assert (answer.status, answer.reason) == (Status.NOT_LICENSED, "not licensed in Russia")


def test_a_deal_sent_with_only_exclusions_covers_every_other_territory() -> None:
    deals = [deal(territories=(), excluded=("RU",))]
    assert is_sellable(deals, "DE", NOW).status is Status.ON_SALE
    assert is_sellable(deals, "RU", NOW).status is Status.NOT_LICENSED


def test_a_deal_whose_end_has_passed_has_ended() -> None:
    answer = is_sellable([deal(end=date(2026, 3, 3))], "DE", NOW)
    assert (answer.status, answer.reason) == (Status.ENDED, "no longer on sale since 4 March 2026")


def test_a_takedown_withdraws_the_item_in_its_territory_from_its_start_date() -> None:
    deals = [deal(), deal(territories=("US",), start=date(2026, 6, 1), takedown=True)]
    assert is_sellable(deals, "US", datetime(2026, 5, 31, 23, 59, tzinfo=UTC)).status is Status.ON_SALE
    withdrawn = is_sellable(deals, "US", datetime(2026, 6, 1, tzinfo=UTC))
    assert (withdrawn.status, withdrawn.reason) == (Status.WITHDRAWN, "withdrawn by the label")
    assert is_sellable(deals, "DE", NOW).status is Status.ON_SALE


def test_all_deals_cancelled_withdraws_the_item_everywhere() -> None:
    deals = [deal(), deal(territories=(), start=None, cancelled=True)]
    assert is_sellable(deals, "FR", NOW).status is Status.WITHDRAWN


def test_a_statement_of_truth_without_deals_withdraws_the_item() -> None:
    assert is_sellable([], "DE", NOW) == Availability(
        Status.WITHDRAWN, "withdrawn by the label", None, None, None, False
    )


def test_streaming_and_subscription_deals_are_ignored() -> None:
    assert is_sellable([deal(terms=STREAM)], "DE", NOW).status is Status.NOT_LICENSED


def test_a_current_sale_beats_a_free_download_beats_a_pre_order() -> None:
    future = deal(start=date(2027, 1, 15))
    free = deal(terms=FREE)
    assert is_sellable([future, free, deal()], "DE", NOW).status is Status.ON_SALE
    assert is_sellable([future, free], "DE", NOW).status is Status.FREE
    assert is_sellable([future, deal(end=date(2026, 1, 1))], "DE", NOW).status is Status.PRE_ORDER


def test_a_start_date_means_midnight_utc_and_an_end_date_includes_its_whole_day() -> None:
    deals = [deal(start=date(2027, 1, 15), end=date(2027, 1, 31))]
    assert is_sellable(deals, "DE", datetime(2027, 1, 14, 23, 59, 59, tzinfo=UTC)).status is Status.PRE_ORDER
    assert is_sellable(deals, "DE", datetime(2027, 1, 15, tzinfo=UTC)).status is Status.ON_SALE
    assert is_sellable(deals, "DE", datetime(2027, 1, 31, 23, 59, 59, tzinfo=UTC)).status is Status.ON_SALE
    assert is_sellable(deals, "DE", datetime(2027, 2, 1, tzinfo=UTC)).status is Status.ENDED


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(NaiveInstant, match="timezone-aware"):
        is_sellable([deal()], "DE", datetime(2026, 1, 1))


# --- properties ---------------------------------------------------------------------------------------

CODES = ("DE", "FR", "GB", "US", "JP", "RU", "AT", "ZZ")
KINDS = ("sale", "free", "stream", "takedown", "cancelled")
TERMS = {"sale": SALE, "free": FREE, "stream": STREAM, "takedown": SALE, "cancelled": SALE}

instants = st.datetimes(min_value=datetime(2018, 1, 1), max_value=datetime(2032, 12, 31), timezones=st.just(UTC))
moments = st.one_of(st.none(), st.dates(min_value=date(2018, 1, 1), max_value=date(2032, 12, 31)), instants)


@st.composite
def deals_with(draw: st.DrawFn, territories: st.SearchStrategy[tuple[tuple[str, ...], tuple[str, ...]]]) -> Deal:
    kind = draw(st.sampled_from(KINDS))
    included, excluded = draw(territories)
    return deal(
        terms=TERMS[kind],
        territories=included,
        excluded=excluded,
        start=draw(moments),
        end=draw(moments),
        price=draw(st.one_of(st.none(), st.builds(PriceCode, st.sampled_from(["A", "B"]), st.none()))),
        takedown=kind == "takedown",
        cancelled=kind == "cancelled",
    )


def any_territories() -> st.SearchStrategy[tuple[tuple[str, ...], tuple[str, ...]]]:
    codes = st.lists(st.sampled_from((*CODES, "Worldwide")), min_size=1, max_size=4, unique=True).map(tuple)
    return st.one_of(codes.map(lambda c: (c, ())), codes.map(lambda c: ((), tuple(x for x in c if x != "Worldwide"))))


def territories_without(code: str) -> st.SearchStrategy[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Territory sets that do not cover `code`: others included, or `code` excluded."""
    others = st.lists(st.sampled_from([c for c in CODES if c != code]), min_size=1, max_size=3, unique=True)
    return st.one_of(
        others.map(lambda c: (tuple(c), ())),
        others.map(lambda c: ((), (code, *c))),
        others.map(lambda c: (("Worldwide",), (code, *c))),
    )


deal_lists = st.lists(deals_with(any_territories()), max_size=6)


def covers(answer: Availability, at: datetime) -> bool:
    return (answer.starts_at is None or answer.starts_at <= at) and (answer.ends_at is None or at < answer.ends_at)


@given(deal_lists, st.sampled_from(CODES), instants)
def test_the_answer_is_deterministic(deals: list[Deal], territory: str, at: datetime) -> None:
    assert is_sellable(deals, territory, at) == is_sellable(tuple(deals), territory, at)


@given(st.data(), deal_lists.filter(bool), st.sampled_from(CODES), instants)
def test_adding_a_deal_that_does_not_apply_never_changes_the_answer(
    data: st.DataObject, deals: list[Deal], territory: str, at: datetime
) -> None:
    extra = data.draw(deals_with(territories_without(territory)))
    position = data.draw(st.integers(min_value=0, max_value=len(deals)))
    assert is_sellable([*deals[:position], extra, *deals[position:]], territory, at) == is_sellable(
        deals, territory, at
    )


@given(deal_lists, st.sampled_from(CODES), instants)
def test_an_item_is_never_offered_in_a_territory_its_deals_exclude(
    deals: list[Deal], territory: str, at: datetime
) -> None:
    excluding = [replace(d, excluded_territory_codes=(*d.excluded_territory_codes, territory)) for d in deals]
    assert is_sellable(excluding, territory, at).status in {Status.NOT_LICENSED, Status.WITHDRAWN}


@given(deal_lists, st.sampled_from(CODES), instants)
def test_on_sale_or_free_means_the_instant_is_inside_the_deal_window(
    deals: list[Deal], territory: str, at: datetime
) -> None:
    answer = is_sellable(deals, territory, at)
    if answer.status in {Status.ON_SALE, Status.FREE}:
        assert covers(answer, at)
    if answer.status is Status.PRE_ORDER:
        assert answer.starts_at is not None and at < answer.starts_at
    if answer.status is Status.ENDED:
        assert answer.ends_at is not None and answer.ends_at <= at


@given(st.sampled_from(CODES), instants)
def test_with_no_deals_the_item_is_withdrawn_with_a_reason(territory: str, at: datetime) -> None:
    answer = is_sellable([], territory, at)
    assert answer.status is Status.WITHDRAWN and answer.reason and answer.price is None


@given(st.data(), st.sampled_from(CODES), instants)
def test_with_no_applicable_deal_the_item_is_not_licensed_there(
    data: st.DataObject, territory: str, at: datetime
) -> None:
    others = data.draw(st.lists(deals_with(territories_without(territory)), min_size=1, max_size=5))
    answer = is_sellable(others, territory, at)
    assert answer.status is Status.NOT_LICENSED and answer.reason.startswith("not licensed in ")


@given(deal_lists, st.sampled_from(CODES), instants, st.integers(min_value=-3, max_value=3))
def test_a_takedown_that_has_started_always_withdraws(
    deals: list[Deal], territory: str, at: datetime, days: int
) -> None:
    takedown = deal(territories=(territory,), start=at.date() + timedelta(days=days), takedown=True)
    answer = is_sellable([*deals, takedown], territory, at)
    if days <= 0:
        assert answer.status is Status.WITHDRAWN


def test_an_effective_date_after_the_start_makes_the_deal_apply_only_from_that_day() -> None:
    effective = NOW.date() + timedelta(days=3)
    answer = is_sellable([replace(deal(), effective_date=effective)], "GB", NOW)
    assert answer.status is Status.PRE_ORDER and answer.starts_at == datetime.combine(effective, time(0), tzinfo=UTC)
    takedown = replace(deal(takedown=True, start=None), effective_date=effective)
    assert is_sellable([deal(), takedown], "GB", NOW).status is Status.ON_SALE
    assert is_sellable([deal(), takedown], "GB", NOW + timedelta(days=3)).status is Status.WITHDRAWN


def test_a_pre_order_release_date_takes_orders_now_and_delivers_on_that_day() -> None:
    street = NOW.date() + timedelta(days=20)
    answer = is_sellable([replace(deal(), pre_order_release_date=street)], "GB", NOW)
    assert answer.status is Status.PRE_ORDER and answer.starts_at == datetime.combine(street, time(0), tzinfo=UTC)
    assert answer.reason.endswith(": pre-order")
    on_the_day = datetime.combine(street, time(0), tzinfo=UTC)
    assert is_sellable([replace(deal(), pre_order_release_date=street)], "GB", on_the_day).status is Status.ON_SALE
