"""Quotes for ingested tracks and releases: estimated sizes before encoding, exact sizes once a rendition exists."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pressplant.catalogue.models import Track
from pressplant.money import Money, from_rate
from pressplant.pricing.actions import quote_for_release, quote_for_track
from pressplant.pricing.models import PriceRule

pytestmark = pytest.mark.django_db


def test_a_track_is_quoted_from_its_size_estimate_before_it_is_encoded(tracks: list[Track]):
    quote = quote_for_track(tracks[0], "wav", "GBP")
    estimate = tracks[0].size_estimate("wav").size_bytes
    assert (quote.format_name, quote.size_bytes, quote.size_is_exact) == ("wav", estimate, False)
    assert quote.price == Money(5, "GBP")  # a one-second WAV is ~0.18 MB: the minimum applies
    assert "minimum 0.05" in quote.basis


def test_an_exact_size_from_the_rendition_cache_wins(tracks: list[Track]):
    quote = quote_for_track(tracks[1], "flac", "EUR", exact_size_bytes=12_345_678)
    assert (quote.size_bytes, quote.size_is_exact) == (12_345_678, True)
    assert quote.price == Money(25, "EUR")  # 12.3 MB x 0.02 = 0.2469
    assert quote.basis == "per MB: 12.3 MB x 0.02 = 0.25"


def test_a_bigger_format_of_the_same_track_never_costs_less(tracks: list[Track]):
    PriceRule.objects.filter(currency="USD").update(minimum_minor=0, rate_per_mb=Decimal("1.00"))
    prices = [quote_for_track(tracks[0], name, "USD") for name in ("mp3-128", "mp3-320", "wav")]
    assert [q.size_bytes for q in prices] == sorted(q.size_bytes for q in prices)
    assert [q.price for q in prices] == sorted(q.price for q in prices)
    assert prices[-1].price == from_rate(Decimal("1.00"), Decimal(prices[-1].size_bytes).scaleb(-6), "USD")


def test_a_release_is_the_sum_of_its_tracks_with_exact_sizes_where_known(tracks: list[Track]):
    release = tracks[0].release
    exact = {tracks[0].pk: 40_000_000}
    quote = quote_for_release(release, "mp3-320", "GBP", exact_sizes=exact)
    estimates = [track.size_estimate("mp3-320").size_bytes for track in tracks[1:]]
    assert quote.size_bytes == 40_000_000 + sum(estimates)
    assert not quote.size_is_exact
    assert quote.track_prices == (Money(80, "GBP"), Money(5, "GBP"), Money(5, "GBP"))
    assert quote.price == Money(90, "GBP")


def test_a_release_with_every_size_exact_says_so_and_the_album_price_caps_it(tracks: list[Track]):
    exact = {track.pk: 300_000_000 for track in tracks}
    quote = quote_for_release(tracks[0].release, "wav", "USD", exact_sizes=exact)
    assert quote.size_is_exact
    assert quote.track_prices == (Money(99, "USD"),) * 3  # each track at its cap
    assert quote.price == Money(297, "USD")
    PriceRule.objects.filter(currency="USD").update(album_price_minor=250)
    capped = quote_for_release(tracks[0].release, "wav", "USD", exact_sizes=exact)
    assert capped.price == Money(250, "USD")
    assert capped.basis == "album price 2.50 caps the sum 2.97"


def test_a_release_override_prices_the_whole_album(tracks: list[Track]):
    release = tracks[0].release
    PriceRule.objects.create(release=release, currency="GBP", pricing_model=PriceRule.Model.PER_ALBUM,
                             album_price_minor=500, track_price_minor=150)
    assert quote_for_release(release, "flac", "GBP").price == Money(500, "GBP")
    assert quote_for_track(tracks[2], "flac", "GBP").price == Money(150, "GBP")
