"""Webhook endpoints. No logic here: verify through the adapter, credit through actions."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from pressplant.payments import actions, stripe
from pressplant.payments.errors import WebhookPayloadError, WebhookSignatureError

log = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """200 once the event is handled (first time or again), 400 when it is not provably Stripe's."""
    provider = stripe.from_settings()
    try:
        event = provider.parse_webhook(request.body, request.headers.get("Stripe-Signature", ""))
    except (WebhookSignatureError, WebhookPayloadError) as error:
        log.warning("Stripe webhook refused: %s", error)
        return JsonResponse({"error": str(error)}, status=400)
    if event is None or not event.is_paid:
        return JsonResponse({"received": True, "credited": False})
    top_up = actions.credit_top_up(event)
    return JsonResponse({"received": True, "credited": True, "entry_id": top_up.entry_id})
