"""Stripe Checkout, spoken directly over HTTPS (no SDK): open a session, verify and read webhooks.

Webhook verification follows Stripe's documented scheme: the `Stripe-Signature` header carries `t=<unix
time>` and one or more `v1=<hex>` signatures (several during a secret rotation); the expected signature
is HMAC-SHA256 of `<t>.<raw body>` keyed with the endpoint secret, compared in constant time; a timestamp
more than 300 s from now is refused (replay protection).

A paid checkout is credited under the ledger key `stripe:<checkout session id>`, not the event id: Stripe
delivers at least once and may report one payment through two events (`checkout.session.completed`, then
`checkout.session.async_payment_succeeded` for delayed methods), and the session is the payment.

Configuration: `STRIPE_SECRET_KEY` and `STRIPE_WEBHOOK_SECRET`, from Django settings or the environment.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from pressplant.money import CURRENCY_EXPONENTS, Money
from pressplant.payments.errors import ProviderError, WebhookPayloadError, WebhookSignatureError
from pressplant.payments.providers import Checkout, ProviderEvent

API_URL = "https://api.stripe.com/v1/checkout/sessions"
TOLERANCE_S = 300
PAID_SESSION_EVENTS = frozenset({"checkout.session.completed", "checkout.session.async_payment_succeeded"})
TOP_UP_PURPOSE = "wallet_top_up"

HttpPost = Callable[[str, bytes, Mapping[str, str]], tuple[int, bytes]]
"""POST `body` to `url` with `headers`; return (status code, response body)."""


def urllib_post(url: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, bytes]:
    """The default HTTP function: the standard library, 30 s timeout, HTTP errors returned not raised."""
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")  # noqa: S310 (https)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (fixed https URL)
            return int(response.status), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class StripeCheckout:
    """The PaymentProvider for Stripe Checkout. `http` and `clock_s` are injectable for tests."""

    name = "stripe"

    def __init__(
        self,
        secret_key: str,
        webhook_secret: str,
        http: HttpPost = urllib_post,
        clock_s: Callable[[], float] = time.time,
    ) -> None:
        self._secret_key = secret_key
        self._webhook_secret = webhook_secret
        self._http = http
        self._clock_s = clock_s

    def create_checkout(self, customer_id: int, amount: Money, success_url: str, cancel_url: str) -> Checkout:
        if not self._secret_key:
            raise ProviderError("STRIPE_SECRET_KEY is not set: cannot open a Stripe checkout")
        body = urllib.parse.urlencode(checkout_form(customer_id, amount, success_url, cancel_url)).encode()
        headers = {
            "Authorization": f"Bearer {self._secret_key}",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        status, answer = self._http(API_URL, body, headers)
        data = _json_object(answer, ProviderError)
        if status >= 400 or not isinstance(data.get("id"), str) or not isinstance(data.get("url"), str):
            message = data.get("error", {}).get("message", "") if isinstance(data.get("error"), dict) else ""
            raise ProviderError(f"Stripe refused the checkout (HTTP {status}): {message or 'no id/url returned'}")
        return Checkout(url=data["url"], session_id=data["id"])

    def parse_webhook(self, payload: bytes, signature_header: str) -> ProviderEvent | None:
        verify_signature(payload, signature_header, self._webhook_secret, now_s=self._clock_s())
        return read_event(_json_object(payload, WebhookPayloadError))


def from_settings(http: HttpPost = urllib_post) -> StripeCheckout:
    """The adapter configured from Django settings, falling back to the environment."""
    return StripeCheckout(_setting("STRIPE_SECRET_KEY"), _setting("STRIPE_WEBHOOK_SECRET"), http=http)


def checkout_form(customer_id: int, amount: Money, success_url: str, cancel_url: str) -> list[tuple[str, str]]:
    """The form fields of POST /v1/checkout/sessions for a one-off wallet top-up."""
    return [
        ("mode", "payment"),
        ("success_url", success_url),
        ("cancel_url", cancel_url),
        ("client_reference_id", str(customer_id)),
        ("line_items[0][quantity]", "1"),
        ("line_items[0][price_data][currency]", amount.currency.lower()),
        ("line_items[0][price_data][unit_amount]", str(amount.amount_minor)),
        ("line_items[0][price_data][product_data][name]", f"Pressplant wallet top-up {amount.format()}"),
        ("metadata[purpose]", TOP_UP_PURPOSE),
        ("metadata[customer_id]", str(customer_id)),
        ("metadata[amount_minor]", str(amount.amount_minor)),
    ]


def verify_signature(payload: bytes, header: str, secret: str, now_s: float, tolerance_s: int = TOLERANCE_S) -> int:
    """Check a `Stripe-Signature` header against the raw body; return its timestamp or raise."""
    if not secret:
        raise WebhookSignatureError("STRIPE_WEBHOOK_SECRET is not set: cannot verify any webhook")
    timestamp, signatures = _parse_signature_header(header)
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise WebhookSignatureError("no v1 signature matches the body and the endpoint secret")
    if abs(now_s - timestamp) > tolerance_s:
        raise WebhookSignatureError(f"timestamp {timestamp} is more than {tolerance_s} s from now ({int(now_s)})")
    return timestamp


def _parse_signature_header(header: str) -> tuple[int, list[str]]:
    timestamps: list[str] = []
    signatures: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            timestamps.append(value)
        elif key == "v1":
            signatures.append(value)
    if len(timestamps) != 1 or not timestamps[0].isdigit() or not signatures:
        raise WebhookSignatureError("Stripe-Signature header needs one t=<timestamp> and at least one v1=")
    return int(timestamps[0]), signatures


def read_event(event: dict[str, Any]) -> ProviderEvent | None:
    """A verified Stripe event as a ProviderEvent; None for event types the store does not act on."""
    kind, event_id = event.get("type"), event.get("id")
    if not isinstance(kind, str) or not isinstance(event_id, str):
        raise WebhookPayloadError("a Stripe event needs a string 'id' and 'type'")
    if kind not in PAID_SESSION_EVENTS:
        return None
    session = event.get("data", {}).get("object", {})
    customer_id = _customer_id(session)
    if not isinstance(session.get("id"), str) or customer_id is None:
        return None  # a session some other integration opened: not a wallet top-up of ours
    created_at = datetime.fromtimestamp(int(event.get("created", 0)), tz=UTC)
    is_paid = session.get("payment_status") == "paid"
    base = ProviderEvent("stripe", event_id, kind, session["id"], created_at)
    if not is_paid:
        return base
    return ProviderEvent(
        "stripe", event_id, kind, session["id"], created_at, True, customer_id, _session_amount(session)
    )


def _customer_id(session: dict[str, Any]) -> int | None:
    metadata = session.get("metadata") or {}
    if metadata.get("purpose") != TOP_UP_PURPOSE:
        return None
    reference = str(session.get("client_reference_id") or metadata.get("customer_id") or "")
    return int(reference) if reference.isdigit() else None


def _session_amount(session: dict[str, Any]) -> Money:
    amount_minor, currency = session.get("amount_total"), str(session.get("currency", "")).upper()
    if not isinstance(amount_minor, int) or amount_minor <= 0 or currency not in CURRENCY_EXPONENTS:
        raise WebhookPayloadError(f"session {session.get('id')}: unusable amount {amount_minor!r} {currency!r}")
    return Money(amount_minor, currency)


def _json_object(raw: bytes, error: type[Exception]) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except ValueError:
        raise error(f"not JSON: {raw[:80]!r}") from None
    if not isinstance(data, dict):
        raise error("expected a JSON object")
    return data


def _setting(name: str) -> str:
    return str(getattr(settings, name, "") or os.environ.get(name, ""))


def is_configured() -> bool:
    """Whether card top-ups can be offered: a Stripe API key is set."""
    return bool(_setting("STRIPE_SECRET_KEY"))
