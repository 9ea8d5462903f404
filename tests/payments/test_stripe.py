"""Stripe Checkout without the SDK or the network: requests go to an injected HTTP function, webhooks are
signed here with a test secret and posted through Django's test client."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.parse

import pytest

from pressplant.ledger.models import Entry
from pressplant.money import Money
from pressplant.payments.errors import ProviderError, WebhookSignatureError
from pressplant.payments.models import BonusRule
from pressplant.payments.stripe import API_URL, StripeCheckout, verify_signature
from tests.payments.wallets import wallet_minor

SECRET = "whsec_only_for_these_tests"
URL = "/payments/stripe/webhook"


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = SECRET


def sign(payload: bytes, secret: str = SECRET, at_s: int | None = None) -> str:
    timestamp = int(time.time()) if at_s is None else at_s
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def session_event(event_id, session_id, customer_id, amount_minor=1000, *, paid=True, kind=None) -> bytes:
    session = {
        "id": session_id,
        "object": "checkout.session",
        "amount_total": amount_minor,
        "currency": "gbp",
        "client_reference_id": str(customer_id),
        "metadata": {"purpose": "wallet_top_up", "customer_id": str(customer_id)},
        "payment_status": "paid" if paid else "unpaid",
    }
    event = {
        "id": event_id,
        "object": "event",
        "type": kind or "checkout.session.completed",
        "created": int(time.time()),
        "data": {"object": session},
    }
    return json.dumps(event).encode()


def deliver(client, payload: bytes, header: str | None = None):
    return client.post(
        URL, data=payload, content_type="application/json", headers={"Stripe-Signature": header or sign(payload)}
    )


@pytest.mark.django_db
def test_a_signed_paid_checkout_credits_the_wallet(client):
    response = deliver(client, session_event("evt_1", "cs_test_1", 42, 1500))

    assert response.status_code == 200
    assert response.json()["credited"] is True
    assert wallet_minor(42) == 1500
    assert Entry.objects.get().key == "stripe:cs_test_1"


@pytest.mark.django_db
def test_redelivered_and_interleaved_events_credit_each_payment_once(client):
    first = session_event("evt_a", "cs_test_a", 42, 1000)
    second = session_event("evt_b", "cs_test_b", 42, 700)
    other = json.dumps({"id": "evt_x", "type": "payment_intent.succeeded", "created": 0, "data": {}}).encode()

    statuses = [deliver(client, payload).status_code for payload in (second, first, other, first, second, first)]

    assert statuses == [200] * 6
    assert wallet_minor(42) == 1700
    assert Entry.objects.count() == 2


@pytest.mark.django_db
def test_a_delayed_payment_is_credited_when_it_succeeds_and_only_then(client):
    unpaid = session_event("evt_c", "cs_test_c", 9, 2000, paid=False)
    succeeded = session_event("evt_d", "cs_test_c", 9, 2000, kind="checkout.session.async_payment_succeeded")

    assert deliver(client, unpaid).json()["credited"] is False
    assert wallet_minor(9) == 0
    for payload in (succeeded, unpaid, succeeded):
        assert deliver(client, payload).status_code == 200

    assert wallet_minor(9) == 2000
    assert Entry.objects.count() == 1


@pytest.mark.django_db
def test_a_top_up_over_the_threshold_gets_its_bonus(client):
    BonusRule.objects.create(currency="GBP", min_amount_minor=5000, percent_bp=2000)

    deliver(client, session_event("evt_e", "cs_test_e", 5, 5000))
    deliver(client, session_event("evt_e", "cs_test_e", 5, 5000))

    assert wallet_minor(5) == 6000


@pytest.mark.django_db
@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda body: (body.replace(b"1000", b"9000"), sign(body)), id="tampered body"),
        pytest.param(lambda body: (body, sign(body, secret="whsec_someone_else")), id="wrong secret"),
        pytest.param(lambda body: (body, sign(body, at_s=int(time.time()) - 301)), id="301 s old"),
        pytest.param(lambda body: (body, "t=1,v0=abc"), id="no v1 signature"),
        pytest.param(lambda body: (body, "garbage"), id="garbage header"),
    ],
)
def test_an_unprovable_delivery_is_refused_and_moves_no_money(client, forge):
    payload, header = forge(session_event("evt_f", "cs_test_f", 42, 1000))

    response = deliver(client, payload, header)

    assert response.status_code == 400
    assert wallet_minor(42) == 0
    assert not Entry.objects.exists()


@pytest.mark.django_db
def test_without_a_configured_secret_nothing_is_accepted(client, settings, monkeypatch):
    settings.STRIPE_WEBHOOK_SECRET = ""
    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET", raising=False)

    payload = session_event("evt_g", "cs_test_g", 42)
    assert deliver(client, payload, sign(payload, secret="")).status_code == 400
    assert not Entry.objects.exists()


@pytest.mark.django_db
def test_the_webhook_takes_only_post(client):
    assert client.get(URL).status_code == 405


def test_any_of_several_v1_signatures_may_match_and_299_s_is_in_time():
    payload = b'{"id": "evt_h"}'
    at_s = 1_700_000_000
    good = sign(payload, at_s=at_s).split(",v1=")[1]
    header = f"t={at_s},v1={'0' * 64},v1={good}"

    assert verify_signature(payload, header, SECRET, now_s=at_s + 299) == at_s
    with pytest.raises(WebhookSignatureError, match="more than 300 s"):
        verify_signature(payload, header, SECRET, now_s=at_s + 301)


class FakeStripe:
    """Records the request; answers like Stripe's API."""

    def __init__(self, status: int = 200, answer: dict | None = None) -> None:
        self.status = status
        self.answer = answer or {"id": "cs_test_new", "url": "https://checkout.stripe.com/c/pay/cs_test_new"}
        self.requests: list[tuple[str, bytes, dict]] = []

    def __call__(self, url, body, headers):
        self.requests.append((url, body, dict(headers)))
        return self.status, json.dumps(self.answer).encode()


def test_create_checkout_sends_the_form_stripe_expects():
    http = FakeStripe()
    provider = StripeCheckout("sk_test_only_for_these_tests", SECRET, http=http)

    checkout = provider.create_checkout(42, Money(1250, "GBP"), "https://shop.example/ok", "https://shop.example/no")

    assert checkout.session_id == "cs_test_new"
    assert checkout.url.startswith("https://checkout.stripe.com/")
    [(url, body, headers)] = http.requests
    assert url == API_URL == "https://api.stripe.com/v1/checkout/sessions"
    assert headers["Authorization"] == "Bearer sk_test_only_for_these_tests"
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = dict(urllib.parse.parse_qsl(body.decode(), strict_parsing=True))
    assert form["mode"] == "payment"
    assert form["line_items[0][quantity]"] == "1"
    assert form["line_items[0][price_data][currency]"] == "gbp"
    assert form["line_items[0][price_data][unit_amount]"] == "1250"
    assert form["line_items[0][price_data][product_data][name]"]
    assert form["client_reference_id"] == "42"
    assert form["metadata[customer_id]"] == "42"
    assert form["metadata[purpose]"] == "wallet_top_up"
    assert form["success_url"] == "https://shop.example/ok"
    assert form["cancel_url"] == "https://shop.example/no"


def test_a_refused_checkout_is_a_provider_error_with_stripes_message():
    http = FakeStripe(400, {"error": {"message": "Invalid currency: xyz"}})
    provider = StripeCheckout("sk_test_only_for_these_tests", SECRET, http=http)

    with pytest.raises(ProviderError, match=r"HTTP 400.*Invalid currency"):
        provider.create_checkout(42, Money(100, "GBP"), "https://a.example", "https://b.example")


def test_no_api_key_no_request():
    http = FakeStripe()
    with pytest.raises(ProviderError, match="STRIPE_SECRET_KEY"):
        StripeCheckout("", SECRET, http=http).create_checkout(1, Money(100, "GBP"), "https://a", "https://b")
    assert http.requests == []
