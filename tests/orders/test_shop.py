"""A release page's offers, read for all its tracks at once, are the offers each item gets alone (the API's
quote and what a purchase charges), whatever rights, splits and price rules the release carries."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Prefetch

from pressplant.audio.formats import FORMATS
from pressplant.catalogue.models import Release, Track
from pressplant.orders.shop import Shopper, offer, release_page_offers
from pressplant.pricing.models import PriceRule
from pressplant.rights.models import Deal, LabelAgreement, Licence, Payee, PriceTier, RoyaltySplit

pytestmark = pytest.mark.django_db

SENDER = "PADPIDA2026112901Z"


def _page_release(pk: int) -> tuple[Release, list[Track]]:
    release = (Release.objects.select_related("label__agreement__payee", "licence")
               .prefetch_related(Prefetch("tracks", Track.objects.select_related("master")
                                          .order_by("disc_number", "position"))).get(pk=pk))
    return release, list(release.tracks.all())


def _deal(release: Release, track: Track | None = None, **terms: object) -> None:
    Deal.objects.create(release=release, track=track, commercial_model_types=["PayAsYouGoModel"],
                        use_types=["PermanentDownload"], start_date=date(2020, 1, 1), **terms)


@pytest.fixture
def rich_release(tracks: list[Track]) -> Release:
    """The album under a DDEX licence priced by a tier; track 2 with its own deal (not in Germany, a
    wholesale price), track 3 with its own royalty split, track 1 with its own price rule, the label with
    an agreement, the release with a split between the label and an artist."""
    release = tracks[0].release
    Licence.objects.create(release=release, source=Licence.Source.DDEX, sender_party_id=SENDER)
    PriceTier.objects.create(sender_party_id=SENDER, code="FRONT", currency="GBP", wholesale_minor=500)
    _deal(release, territory_codes=["Worldwide"], price_code="FRONT")
    _deal(release, tracks[1], territory_codes=["Worldwide"], excluded_territory_codes=["DE"],
          wholesale_amount=Decimal("0.80"), wholesale_currency="GBP")
    _deal(release, tracks[2], territory_codes=["Worldwide"])
    label_payee = Payee.objects.create(code="cache-records", name="Cache Records", kind="label", label=release.label)
    artist = Payee.objects.create(code="the-encoders", name="The Encoders", kind="artist")
    assert release.label is not None
    LabelAgreement.objects.create(label=release.label, payee=label_payee, share_rate=Decimal("0.65"))
    RoyaltySplit.objects.create(release=release, payee=label_payee, basis_points=8_000)
    RoyaltySplit.objects.create(release=release, payee=artist, basis_points=2_000)
    RoyaltySplit.objects.create(release=release, track=tracks[2], payee=artist, basis_points=10_000)
    PriceRule.objects.create(track=tracks[0], currency="GBP", pricing_model=PriceRule.Model.PER_TRACK,
                             track_price_minor=99, minimum_minor=0)
    return release


@pytest.mark.parametrize("shopper", [Shopper("GBP", "GB", None), Shopper("GBP", "DE", None),
                                     Shopper("EUR", "FR", None), Shopper("USD", "US", None)])
def test_a_release_page_offers_what_each_item_is_offered_alone(rich_release: Release, shopper: Shopper) -> None:
    """Everything but the split, which a page does not show (nor work out)."""
    release, tracks = _page_release(rich_release.pk)
    page = release_page_offers(release, tracks, shopper)
    for index, name in enumerate(FORMATS):
        alone = offer("release", release.pk, name, shopper)
        assert page.release[index] == dataclasses.replace(alone, split=None), name
        for track in tracks:
            alone = offer("track", track.pk, name, shopper)
            assert page.tracks[track.pk][index] == dataclasses.replace(alone, split=None), (track, name)
    assert all(o.split is None for o in page.release)


def test_splits_that_do_not_sum_keep_the_track_off_sale_on_the_page_too(rich_release: Release) -> None:
    RoyaltySplit.objects.filter(track__isnull=False).update(basis_points=9_000)
    release, tracks = _page_release(rich_release.pk)
    page = release_page_offers(release, tracks, Shopper("GBP", "GB", None))
    assert [o.can_buy for o in page.tracks[tracks[2].pk]] == [False] * len(FORMATS)
    assert "royalty split" in page.tracks[tracks[2].pk][0].reason
    assert all(o.can_buy for o in page.tracks[tracks[0].pk])
