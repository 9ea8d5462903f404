"""Buying from the release page, the library that follows, and the wallet with its voucher box."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from pressplant.accounts.models import Customer
from pressplant.catalogue.models import Release, Track
from pressplant.ledger.actions import balance
from pressplant.money import Money
from pressplant.orders.models import Order
from pressplant.orders.shop import Shopper, release_offers
from pressplant.payments.actions import create_vouchers
from tests.orders.conftest import fund


def _signed_in(customer: Customer) -> Client:
    client = Client()
    client.force_login(customer.user)
    return client


def _wallet(customer: Customer) -> Money:
    return balance(customer.wallet_account, customer.currency)


def _release_buy_form(page: str, format_name: str) -> dict[str, str]:
    """The fields of the whole-release Buy button for `format_name`, as the browser would post them."""
    inside = r"(?:(?!</form>).)*"
    form = re.search(rf'<form[^>]*>{inside}name="format_name" value="{format_name}">{inside}</form>', page, re.S)
    assert form, format_name
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group()))


@pytest.mark.django_db
def test_a_signed_out_buyer_is_sent_to_sign_in(tracks: list[Track]) -> None:
    release = Release.objects.get()
    response = Client().post(reverse("storefront:buy"),
                             {"release": release.pk, "format_name": "flac", "idempotency_key": "k1"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_buying_the_release_in_flac_twice_with_one_key_charges_once(buyer: Customer, tracks: list[Track]) -> None:
    fund(buyer, 10_000)
    release = Release.objects.get()
    price = next(o.price for o in release_offers(release, Shopper("GBP", "GB", None)) if o.quote.format_name == "flac")
    client = _signed_in(buyer)
    page = client.get(reverse("storefront:release", args=[release.pk])).content.decode()
    fields = _release_buy_form(page, "flac")
    assert fields["release"] == str(release.pk) and fields["idempotency_key"]

    first = client.post(reverse("storefront:buy"), fields)
    second = client.post(reverse("storefront:buy"), fields, follow=True)

    assert first.status_code == 302 and first["Location"] == reverse("storefront:library")
    assert Order.objects.count() == 1 and _wallet(buyer) == Money(10_000, "GBP") - price
    library = second.content.decode()
    assert "Thank you!" in library and "Cache Songs" in library and "FLAC" in library
    assert re.search(r'href="/download/[^"]+"', library)


@pytest.mark.django_db
def test_buying_one_track_from_its_picker(buyer: Customer, tracks: list[Track]) -> None:
    fund(buyer, 10_000)
    release = Release.objects.get()
    response = _signed_in(buyer).post(reverse("storefront:buy"), {
        "release": release.pk, "track": tracks[1].pk, "format_name": "mp3-320", "idempotency_key": "k-track"},
        follow=True)
    page = response.content.decode()
    assert "Two" in page and "MP3 320 kb/s" in page and "/download/" in page
    assert _wallet(buyer) < Money(10_000, "GBP")


@pytest.mark.django_db
def test_short_funds_show_a_message_on_the_release_page_and_charge_nothing(
        buyer: Customer, tracks: list[Track]) -> None:
    fund(buyer, 3)
    release = Release.objects.get()
    response = _signed_in(buyer).post(reverse("storefront:buy"), {
        "release": release.pk, "format_name": "flac", "idempotency_key": "k-short"}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("storefront:release", args=[release.pk])
    assert "Nothing was charged: your balance is 0.03 GBP; this order costs" in page
    assert Order.objects.count() == 0 and _wallet(buyer) == Money(3, "GBP")


@pytest.mark.django_db
def test_the_library_and_wallet_ask_a_visitor_to_sign_in() -> None:
    for name in ("storefront:library", "storefront:wallet"):
        response = Client().get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_the_wallet_redeems_a_voucher_and_shows_the_balance_and_history(buyer: Customer) -> None:
    (code,) = create_vouchers(Money(1000, "GBP"), 1)
    client = _signed_in(buyer)
    response = client.post(reverse("storefront:wallet"), {"code": code}, follow=True)
    page = response.content.decode()
    assert "Voucher redeemed: 10.00 GBP added" in page
    new_balance = _wallet(buyer)
    assert new_balance >= Money(1000, "GBP") and new_balance.format() in page
    assert "Voucher" in page.split("History")[1]

    again = client.post(reverse("storefront:wallet"), {"code": code})
    assert again.status_code == 400 and "redeemed before" in again.content.decode()
    assert _wallet(buyer) == new_balance
