"""Card top-ups: the wallet page sends the buyer to Stripe Checkout; the webhook (payments) credits."""

from __future__ import annotations

import json
import urllib.parse

import pytest
from django.test import Client

from pressplant.payments import stripe


@pytest.fixture
def stripe_api(monkeypatch, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_made_up_for_tests"
    sent: list[dict[str, list[str]]] = []

    def fake_post(url, body, headers):
        sent.append(urllib.parse.parse_qs(body.decode()))
        return 200, json.dumps({"id": "cs_test_1", "url": "https://checkout.stripe.test/pay/cs_test_1"}).encode()

    monkeypatch.setattr(stripe, "urllib_post", fake_post)
    return sent


@pytest.mark.django_db
def test_the_wallet_sends_the_buyer_to_stripe_checkout(buyer, stripe_api):
    client = Client()
    client.force_login(buyer.user)
    assert "Top up by card" in client.get("/wallet/").content.decode()
    response = client.post("/wallet/top-up/", {"amount": "25.00"})
    assert response.status_code == 302 and response["Location"] == "https://checkout.stripe.test/pay/cs_test_1"
    form = stripe_api[0]
    assert form["line_items[0][price_data][unit_amount]"] == ["2500"]
    assert form["line_items[0][price_data][currency]"] == ["gbp"]


@pytest.mark.django_db
def test_without_a_stripe_key_there_is_no_card_form(buyer, settings):
    settings.STRIPE_SECRET_KEY = ""
    client = Client()
    client.force_login(buyer.user)
    assert "Top up by card" not in client.get("/wallet/").content.decode()
    response = client.post("/wallet/top-up/", {"amount": "5"}, follow=True)
    assert "Card payments are not available" in response.content.decode()


@pytest.mark.django_db
def test_a_bad_amount_is_refused(buyer, stripe_api):
    client = Client()
    client.force_login(buyer.user)
    response = client.post("/wallet/top-up/", {"amount": "-3"}, follow=True)
    assert "Enter an amount to top up" in response.content.decode() and stripe_api == []
