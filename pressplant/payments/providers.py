"""The seam between the store and a card payment provider: start a checkout, read its webhooks.

An adapter (stripe.py) turns the provider's wire format into these values; actions.credit_top_up() turns a
paid ProviderEvent into one ledger entry. Nothing here talks to the network or the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pressplant.money import Money


@dataclass(frozen=True, slots=True)
class Checkout:
    """Where to send the customer (`url`) and the provider's id of the payment session."""

    url: str
    session_id: str


@dataclass(frozen=True, slots=True)
class ProviderEvent:
    """A verified webhook event, reduced to what the store acts on.

    `is_paid` events carry the customer and the amount; the rest are acknowledged and ignored.
    """

    provider: str
    event_id: str
    kind: str
    session_id: str
    created_at: datetime
    is_paid: bool = False
    customer_id: int | None = None
    amount: Money | None = None


class PaymentProvider(Protocol):
    name: str

    def create_checkout(self, customer_id: int, amount: Money, success_url: str, cancel_url: str) -> Checkout:
        """Open a hosted payment page for a wallet top-up of `amount`."""
        ...

    def parse_webhook(self, payload: bytes, signature_header: str) -> ProviderEvent | None:
        """Verify a delivery (else WebhookSignatureError) and read it; None for events of no interest."""
        ...
