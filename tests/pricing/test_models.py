"""Price rules in the database: the seeded defaults, precedence, and the constraints that hold without the ORM."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from pressplant.catalogue.models import Label, Release, Track
from pressplant.money import Money
from pressplant.pricing.models import NoPriceRule, PriceRule, rule_for
from pressplant.pricing.quote import PriceModel
from tests.rows import loaded_fields

pytestmark = pytest.mark.django_db


def flat(minor: int, currency: str = "GBP", **scope: object) -> PriceRule:
    return PriceRule.objects.create(currency=currency, pricing_model=PriceRule.Model.PER_TRACK,
                                    track_price_minor=minor, **scope)


def test_the_store_default_is_allofmp3s_2005_price_in_three_currencies(tracks: list[Track]):
    for currency in ("GBP", "EUR", "USD"):
        rule = rule_for(tracks[0], currency)
        assert rule.model is PriceModel.PER_MEGABYTE
        assert rule.rate_per_mb == Decimal("0.02")
        assert (rule.minimum, rule.track_cap, rule.album_price) == (
            Money(5, currency), Money(99, currency), Money(799, currency))


def test_the_hand_written_candidates_read_every_column_of_a_rule(tracks: list[Track]):
    """The columns named, not *: every one of the model's, so nothing is read later, field by field."""
    rule = flat(10, label=tracks[0].release.label)
    rule.format_rate_multipliers = {"flac": "0.5"}
    rule.save()
    read = next(row for row in PriceRule.objects.candidates(tracks[0].release, None, "GBP") if row.pk == rule.pk)
    expected = PriceRule.objects.get(pk=rule.pk)  # as the ORM loads it
    assert read.get_deferred_fields() == set() and read.format_rate_multipliers == {"flac": "0.5"}
    assert loaded_fields(read) == loaded_fields(expected)


def test_the_most_specific_rule_wins(tracks: list[Track]):
    release = tracks[0].release
    assert release.label is not None
    flat(10, label=release.label)
    assert rule_for(tracks[0], "GBP").track_price == Money(10, "GBP")
    flat(20, release=release)
    assert rule_for(tracks[0], "GBP").track_price == Money(20, "GBP")
    assert rule_for(release, "GBP").track_price == Money(20, "GBP")
    flat(30, track=tracks[0])
    assert rule_for(tracks[0], "GBP").track_price == Money(30, "GBP")
    assert rule_for(tracks[1], "GBP").track_price == Money(20, "GBP")
    assert rule_for(release, "GBP").track_price == Money(20, "GBP")
    assert rule_for(tracks[0], "EUR").model is PriceModel.PER_MEGABYTE  # overrides are per currency


def test_another_labels_rule_does_not_apply(tracks: list[Track], other_release: Release):
    assert other_release.label is not None
    flat(10, label=other_release.label)
    flat(20, release=other_release)
    assert rule_for(tracks[0], "GBP").model is PriceModel.PER_MEGABYTE


def test_a_currency_without_any_rule_is_an_error(tracks: list[Track]):
    with pytest.raises(NoPriceRule, match="JPY"):
        rule_for(tracks[0], "JPY")


def test_a_rule_has_one_scope_at_most(tracks: list[Track]):
    rule = PriceRule(currency="GBP", pricing_model="per_track", track_price_minor=10,
                     release=tracks[0].release, track=tracks[0])
    with pytest.raises(ValidationError, match="at most"):
        rule.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        rule.save()


def test_admin_validation_speaks_the_rules_language():
    rule = PriceRule(currency="EUR", pricing_model="per_megabyte", rate_per_mb=Decimal("0.02"),
                     minimum_minor=50, track_cap_minor=10)
    with pytest.raises(ValidationError, match="below the minimum"):
        rule.full_clean()


def _insert_around_the_orm(values: str) -> None:
    table = PriceRule._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (currency, pricing_model, rate_per_mb, minimum_minor, "
                       f"format_rate_multipliers, created_at, updated_at) VALUES ({values}, '{{}}', "
                       "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")


def test_a_good_row_goes_in_around_the_orm():
    _insert_around_the_orm("'SEK', 'per_megabyte', 0.2, 0")
    assert PriceRule.objects.get(currency="SEK").as_rule().rate_per_mb == Decimal("0.2")


@pytest.mark.parametrize("values", [
    "'GBP', 'per_megabyte', 0.02, 0",  # a second store default in GBP
    "'SEK', 'per_megabyte', 0.02, -1",  # a negative minimum
    "'SEK', 'per_megabyte', -0.02, 0",  # a negative rate
    "'SEK', 'per_track', 0.02, 0",  # a per-track rule without its track price
])
def test_the_database_refuses_bad_rows_around_the_orm(values: str):
    with pytest.raises(IntegrityError):
        _insert_around_the_orm(values)


def test_format_multipliers_are_data_checked_against_the_formats_table(tracks: list[Track]):
    rule = PriceRule.objects.get(currency="GBP", label=None, release=None, track=None)
    rule.format_rate_multipliers = {"flac": "0.5", "wav": 0.25}
    rule.full_clean()
    rule.save()
    assert rule_for(tracks[0], "GBP").rate_for("flac") == Decimal("0.010")
    assert rule_for(tracks[0], "GBP").rate_for("mp3-320") == Decimal("0.02")
    for bad, message in (({"ogg-vorbis": "0.5"}, "unknown formats ogg-vorbis"), ({"flac": "half"}, "numbers"),
                         ({"flac": "-1"}, "negative"), (["flac"], "an object")):
        rule.format_rate_multipliers = bad
        with pytest.raises(ValidationError, match=message):
            rule.full_clean()


@pytest.fixture
def other_release(tracks: list[Track]) -> Release:
    """A second release on another label, to show that its rules stay its own."""
    release = tracks[0].release
    other = Release.objects.create(title="Elsewhere", artist_display="Others",
                                   label=Label.objects.create(name="Other Records"))
    assert other.label_id != release.label_id
    return other
