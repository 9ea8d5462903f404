"""The reads a purchase makes by hand-written SQL load exactly what the ORM loads: every field, converted
the same way (SQLite returns dates, datetimes, decimals and JSON as text or floats), on either database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict

from pressplant.catalogue.models import Label, Release, Track
from pressplant.rights.licences import track_for_sale
from pressplant.rights.models import (
    Deal,
    LabelAgreement,
    Licence,
    Payee,
    PriceTier,
    RoyaltySplit,
    agreement_of_label,
    deals_of,
    split_rows,
)
from tests.delivery.conftest import album_tree, tracks  # noqa: F401  (the ingested three-track album)
from tests.rows import loaded_fields

pytestmark = pytest.mark.django_db

SENDER = "PADPIDA2026113001Z"


def _licensed(release: Release, track: Track) -> None:
    """A DDEX licence with a release-wide deal and a track deal priced by a code, and a tier for it."""
    Licence.objects.create(release=release, source=Licence.Source.DDEX, sender_party_id=SENDER,
                           purged_at=datetime(2031, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC))
    terms = {"commercial_model_types": ["PayAsYouGoModel"], "use_types": ["PermanentDownload"]}
    Deal.objects.create(release=release, territory_codes=["Worldwide"], start_date=date(2020, 1, 1),
                        wholesale_amount=Decimal("0.5500"), wholesale_currency="GBP", **terms)
    Deal.objects.create(release=release, track=track, territory_codes=["GB", "IE"], excluded_territory_codes=[],
                        start_at=datetime(2021, 5, 6, 7, 8, 9, tzinfo=UTC), price_code="FRONTLINE",
                        price_code_namespace=SENDER, superseded_at=datetime(2030, 1, 1, tzinfo=UTC), **terms)
    PriceTier.objects.create(sender_party_id=SENDER, code="FRONTLINE", currency="EUR", wholesale_minor=66)


def test_a_track_for_sale_loads_the_track_release_master_and_licence_as_the_orm_does(tracks):  # noqa: F811
    track = tracks[1]
    _licensed(track.release, track)

    loaded = track_for_sale(track.pk)
    expected = Track.objects.select_related("release__licence", "master").get(pk=track.pk)

    assert loaded is not None
    assert loaded_fields(loaded) == loaded_fields(expected)
    assert loaded_fields(loaded.release) == loaded_fields(expected.release)
    assert loaded_fields(loaded.master) == loaded_fields(expected.master) and isinstance(loaded.master.probe, dict)
    assert loaded_fields(loaded.release.licence) == loaded_fields(expected.release.licence)


def test_a_track_of_the_operators_own_catalogue_has_no_licence_and_a_quarantined_one_is_not_for_sale(tracks):  # noqa: F811
    track = tracks[0]

    loaded = track_for_sale(track.pk)
    Release.objects.filter(pk=track.release_id).update(status=Release.Status.QUARANTINED,
                                                       quarantine_reason="ISRC_Woot is no ISRC")

    assert loaded is not None and getattr(loaded.release, "licence", None) is None
    assert track_for_sale(track.pk) is None and track_for_sale(10**9) is None


def test_deals_and_their_tiers_are_read_as_the_orm_reads_them(tracks):  # noqa: F811
    track = tracks[2]
    _licensed(track.release, track)

    for_track = deals_of(track.release_id, track.pk)
    every = deals_of(track.release_id)
    priced = deals_of(track.release_id, track.pk, tiers_of=(SENDER, "EUR"))

    expected = list(Deal.objects.filter(release=track.release).order_by("id"))
    assert [loaded_fields(deal) for deal in every] == [loaded_fields(deal) for deal in expected]
    assert [loaded_fields(deal) for deal in for_track] == [loaded_fields(deal) for deal in expected]
    assert [minor for _, minor in priced] == [None, 66]
    assert deals_of(track.release_id, tiers_of=(SENDER, "USD"))[1][1] is None


def test_an_agreement_and_the_splits_are_read_with_their_payees(tracks):  # noqa: F811
    release = tracks[0].release
    label = Label.objects.create(name="Read Records")
    Release.objects.filter(pk=release.pk).update(label=label)
    payee = Payee.objects.create(code="read-records", name="Read Records", kind=Payee.Kind.LABEL, label=label)
    LabelAgreement.objects.create(label=label, payee=payee, share_rate=Decimal("0.6550"), use_wholesale_price=False)
    artist = Payee.objects.create(code="read-artist", name="Read Artist", kind=Payee.Kind.ARTIST)
    RoyaltySplit.objects.create(release=release, payee=payee, basis_points=6_000)
    RoyaltySplit.objects.create(release=release, payee=artist, basis_points=4_000)
    RoyaltySplit.objects.create(release=release, track=tracks[1], payee=artist, basis_points=10_000)

    agreement = agreement_of_label(label.pk)

    expected = LabelAgreement.objects.select_related("payee").get(label=label)
    assert agreement is not None and loaded_fields(agreement) == loaded_fields(expected)
    assert agreement.share_rate == Decimal("0.6550") and agreement.use_wholesale_price is False
    assert model_to_dict(agreement.payee) == model_to_dict(expected.payee)
    assert agreement_of_label(label.pk + 1) is None
    assert split_rows(release.pk, None) == [(None, 6_000, "read-records", "Read Records", "label"),
                                            (None, 4_000, "read-artist", "Read Artist", "artist")]
    assert [row[0] for row in split_rows(release.pk, tracks[1].pk)] == [tracks[1].pk, None, None]
