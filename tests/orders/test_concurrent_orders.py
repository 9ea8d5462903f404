"""Many buyers at once, each order of several lines (each line paying its own artist) listed in its own
order: an order's accounts (VAT, the label, the artists, the mechanical, the store) are locked together
in one order, so no purchase deadlocks with another, and every account ends holding exactly the parts
its sales posted."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db.models import Sum

from pressplant.accounts.models import Customer
from pressplant.ledger.actions import balance, verify_ledger
from pressplant.ledger.models import Account
from pressplant.orders.actions import OrderItem, place_order, refund_order
from pressplant.orders.models import Order, SalePart
from pressplant.pricing.models import PriceRule
from pressplant.rights.models import Payee, RoyaltySplit
from tests.orders.conftest import fund
from tests.together import run_together

BUYERS = 24


def _buyers() -> list[Customer]:
    buyers = []
    for n in range(BUYERS):
        country, currency = ("GB", "GBP") if n % 2 else ("DE", "EUR")
        user = User.objects.create_user(f"buyer{n}@example.com", f"buyer{n}@example.com")
        buyers.append(Customer.objects.create(user=user, country=country, currency=currency))
        fund(buyers[-1], 10_000)
    return buyers


def _catalogue(tracks) -> None:
    """A price per track in pounds and euros; each track pays the label and its own artist."""
    release = tracks[0].release
    for currency in ("GBP", "EUR"):
        PriceRule.objects.create(release=release, currency=currency, pricing_model=PriceRule.Model.PER_TRACK,
                                 track_price_minor=129, minimum_minor=0)
    label = Payee.objects.create(code="cache-records", name="Cache Records", kind=Payee.Kind.LABEL)
    artists = [Payee.objects.create(code=f"artist-{n}", name=f"Artist {n}", kind=Payee.Kind.ARTIST)
               for n in range(3)]
    for track, artist in zip(tracks, artists, strict=True):  # each line pays its own artist
        RoyaltySplit.objects.create(release=release, track=track, payee=label, basis_points=6_000)
        RoyaltySplit.objects.create(release=release, track=track, payee=artist, basis_points=4_000)


def _buy(buyers: list[Customer], tracks) -> list[Order | BaseException]:
    def buy(n: int) -> Order:
        listed = tracks[n % 3:] + tracks[:n % 3]
        if n % 4 >= 2:
            listed.reverse()
        return place_order(buyers[n], [OrderItem("mp3-320", track_id=t.pk) for t in listed], f"basket-{n}")

    return run_together(BUYERS, buy)


@pytest.mark.django_db(transaction=True)
def test_simultaneous_orders_of_the_same_tracks_in_any_order_all_go_through(tracks, flushable_ledger):
    _catalogue(tracks)
    buyers = _buyers()

    results = _buy(buyers, tracks)

    assert all(isinstance(r, Order) for r in results), [r for r in results if not isinstance(r, Order)][:3]
    assert Order.objects.count() == BUYERS and all(o.lines.count() == 3 for o in Order.objects.all())
    for buyer in buyers:
        assert balance(buyer.wallet_account, buyer.currency).amount_minor == 10_000 - 3 * 129
    posted = dict(SalePart.objects.values_list("account").annotate(Sum("amount_minor")).order_by())
    assert {"payable:artist-0:GBP", "payable:artist-2:EUR", "payable:cache-records:EUR", "tax:DE:EUR"} <= set(posted)
    held = dict(Account.objects.filter(code__in=posted).values_list("code", "balance_minor"))
    assert held == posted
    report = verify_ledger()
    assert report.ok, report.problems


@pytest.mark.django_db(transaction=True)
def test_simultaneous_refunds_of_such_orders_all_go_through(tracks, flushable_ledger):
    _catalogue(tracks)
    buyers = _buyers()
    orders = [r for r in _buy(buyers, tracks) if isinstance(r, Order)]
    assert len(orders) == BUYERS

    results = run_together(BUYERS, lambda n: refund_order(orders[n], f"refund-{n}", "changed my mind"))

    assert all(isinstance(r, Order) for r in results), [r for r in results if not isinstance(r, Order)][:3]
    assert all(o.status == Order.Status.REFUNDED for o in Order.objects.all())
    assert all(balance(b.wallet_account, b.currency).amount_minor == 10_000 for b in buyers)
    owed = Account.objects.filter(code__startswith="payable:").values_list("balance_minor", flat=True)
    assert set(owed) == {0}
    report = verify_ledger()
    assert report.ok, report.problems
