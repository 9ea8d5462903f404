"""Buying from the wallet: one transaction, one balanced entry, one order per Idempotency-Key."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection

from pressplant.accounts.actions import sign_up
from pressplant.catalogue.models import Release, Track
from pressplant.ledger.actions import balance, verify_ledger
from pressplant.money import Money
from pressplant.orders.actions import (
    AlreadyOwned,
    IdempotencyKeyReused,
    OrderItem,
    PaymentRequired,
    UnknownFormat,
    place_order,
)
from pressplant.orders.models import PARTS_KEY_COLUMNS, Entitlement, Order, OrderLine, parts_key
from pressplant.orders.shop import Shopper, offer
from pressplant.pricing.models import PriceRule
from pressplant.pricing.quote import Quote
from tests.orders.conftest import PASSWORD, fund
from tests.together import run_together


def _wallet(customer) -> Money:
    return balance(customer.wallet_account, customer.currency)


def _offered(kind: str, item_id: int, format_name: str) -> Quote:
    """The quote a buyer in the United Kingdom is shown (the rule's price, or the rights holders' floor)."""
    return offer(kind, item_id, format_name, Shopper("GBP", "GB", None)).quote


def _price_by_the_megabyte(release: Release, pounds_per_mb: str) -> None:
    PriceRule.objects.create(release=release, currency="GBP", pricing_model=PriceRule.Model.PER_MEGABYTE,
                             rate_per_mb=pounds_per_mb, minimum_minor=5)


@pytest.mark.django_db
def test_buying_a_track_moves_its_quoted_price_from_the_wallet(buyer, tracks):
    fund(buyer, 500)
    quote = _offered("track", tracks[0].pk, "mp3-320")
    order = place_order(buyer, [OrderItem("mp3-320", track_id=tracks[0].pk)], "click-1")
    assert order.total == quote.price and quote.price.amount_minor > 0
    assert _wallet(buyer) == Money(500 - quote.price.amount_minor, "GBP")
    line = order.lines.get()
    assert (line.size_bytes, line.price, line.basis) == (quote.size_bytes, quote.price, quote.basis)
    assert Entitlement.objects.get(customer=buyer).format_name == "mp3-320"
    assert verify_ledger().ok


@pytest.mark.django_db
def test_short_funds_are_refused_and_nothing_moves(buyer, tracks):
    fund(buyer, 3)
    release = Release.objects.get()
    with pytest.raises(PaymentRequired, match=r"your balance is 0.03 GBP; this order costs"):
        place_order(buyer, [OrderItem("flac", release_id=release.pk)], "click-1")
    assert (Order.objects.count(), OrderLine.objects.count(), Entitlement.objects.count()) == (0, 0, 0)
    assert _wallet(buyer) == Money(3, "GBP") and verify_ledger().ok


@pytest.mark.django_db
def test_a_double_click_buys_once_and_a_reused_key_is_refused(buyer, tracks):
    fund(buyer, 1000)
    item = [OrderItem("mp3-v0", track_id=tracks[1].pk)]
    first = place_order(buyer, item, "click-1")
    again = place_order(buyer, item, "click-1")
    assert again.pk == first.pk and Order.objects.count() == 1
    assert _wallet(buyer) == Money(1000 - first.total_minor, "GBP")
    with pytest.raises(IdempotencyKeyReused):
        place_order(buyer, [OrderItem("flac", track_id=tracks[1].pk)], "click-1")


@pytest.mark.django_db
def test_an_upgrade_costs_only_the_difference_and_the_same_format_is_not_sold_twice(buyer, tracks):
    fund(buyer, 100_000)
    track = tracks[0]
    _price_by_the_megabyte(track.release, "20.00")  # dear enough that the difference is above any floor
    small = place_order(buyer, [OrderItem("mp3-128", track_id=track.pk)], "a")
    big_quote = _offered("track", track.pk, "wav")
    big = place_order(buyer, [OrderItem("wav", track_id=track.pk)], "b")
    assert big.total_minor == big_quote.price.amount_minor - small.total_minor
    with pytest.raises(AlreadyOwned, match="already own"):
        place_order(buyer, [OrderItem("wav", track_id=track.pk)], "c")


@pytest.mark.django_db
def test_a_release_is_one_line_with_the_album_quote(buyer, tracks):
    fund(buyer, 5000)
    release = Release.objects.get()
    quote = _offered("release", release.pk, "flac")
    order = place_order(buyer, [OrderItem("flac", release_id=release.pk)], "album")
    assert order.total == quote.price and order.lines.get().release_id == release.pk


def _many_tracks(count: int) -> list[Track]:
    """`count` one-pound tracks on one release (sharing one master: the price rule is per track)."""
    template = Track.objects.select_related("release").first()
    release = template.release
    PriceRule.objects.create(release=release, currency="GBP", pricing_model=PriceRule.Model.PER_TRACK,
                             track_price_minor=100, minimum_minor=100)
    made = [Track(release=release, disc_number=2, position=n, title=f"Loop {n}", master=template.master,
                  artist_display=template.artist_display, duration_ms=template.duration_ms)
            for n in range(1, count + 1)]
    return Track.objects.bulk_create(made)


@pytest.mark.django_db(transaction=True)
def test_200_simultaneous_purchases_against_57_pounds_exactly_57_succeed(buyer, tracks, flushable_ledger):
    fund(buyer, 5_700)
    loops = _many_tracks(200)
    results = run_together(200, lambda i: place_order(buyer, [OrderItem("mp3-128", track_id=loops[i].pk)], f"k{i}"))
    paid = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, PaymentRequired)]
    assert (len(paid), len(refused)) == (57, 143), [r for r in results if not isinstance(r, Order | PaymentRequired)]
    assert _wallet(buyer) == Money(0, "GBP")
    report = verify_ledger()
    assert report.ok, report.problems


@pytest.mark.django_db(transaction=True)
def test_the_same_key_200_times_at_once_is_one_order(buyer, tracks, flushable_ledger):
    fund(buyer, 5_000)
    item = [OrderItem("mp3-320", track_id=tracks[2].pk)]
    results = run_together(200, lambda i: place_order(buyer, item, "the-same-click"))
    assert all(isinstance(r, Order) for r in results), [r for r in results if not isinstance(r, Order)][:3]
    assert {r.pk for r in results} == {Order.objects.get().pk}
    assert _wallet(buyer) == Money(5_000 - Order.objects.get().total_minor, "GBP") and verify_ledger().ok


@pytest.mark.django_db
def test_previews_and_unknown_formats_are_not_for_sale(buyer, tracks):
    fund(buyer, 1000)
    for name in ("preview", "mp3-999"):
        with pytest.raises(UnknownFormat, match="is not a format on sale"):
            place_order(buyer, [OrderItem(name, track_id=tracks[0].pk)], f"k-{name}")
    assert Order.objects.count() == 0 and _wallet(buyer) == Money(1000, "GBP")


@pytest.mark.django_db
def test_lines_split_alike_share_a_parts_key_and_older_lines_are_given_theirs(buyer, tracks):
    # given two buyers who bought the same track in the same format, and other tracks in other formats, one of
    # them at a price of its own
    PriceRule.objects.create(track=tracks[2], currency="GBP", pricing_model=PriceRule.Model.PER_TRACK,
                             track_price_minor=99, minimum_minor=0)
    other = sign_up("other@example.com", PASSWORD, "GB")
    for customer in (buyer, other):
        fund(customer, 5_000)
    place_order(buyer, [OrderItem("mp3-320", track_id=tracks[0].pk), OrderItem("flac", track_id=tracks[1].pk),
                        OrderItem("wav", track_id=tracks[2].pk)], "click-1")
    place_order(other, [OrderItem("mp3-320", track_id=tracks[0].pk)], "click-2")
    # then lines have equal keys exactly when their sale parts, as stored, are equal
    lines = list(OrderLine.objects.order_by("id"))
    parts = {line.pk: list(line.parts.order_by("id").values_list(*PARTS_KEY_COLUMNS)) for line in lines}
    assert lines[0].parts_key == lines[3].parts_key and parts[lines[0].pk] == parts[lines[3].pk]
    assert lines[2].parts_key != lines[0].parts_key and lines[2].price_minor == 99
    assert all((a.parts_key == b.parts_key) == (parts[a.pk] == parts[b.pk]) for a in lines for b in lines)
    assert all(line.parts_key == parts_key(parts[line.pk]) for line in lines)
    # and lines sold before the key existed are given the same keys by the migration that added it
    keys = dict(OrderLine.objects.values_list("pk", "parts_key"))
    OrderLine.objects.update(parts_key=None)
    migration = importlib.import_module("pressplant.orders.migrations.0004_line_parts_key")
    migration.key_sold_lines(django_apps, SimpleNamespace(connection=connection))
    assert dict(OrderLine.objects.values_list("pk", "parts_key")) == keys
