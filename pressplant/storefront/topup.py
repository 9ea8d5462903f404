"""POST /wallet/top-up: a card top-up through Stripe Checkout. The wallet is credited by Stripe's webhook
(payments), once per checkout, never by this redirect."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pressplant.money import Money, MoneyError
from pressplant.payments import stripe
from pressplant.payments.errors import ProviderError
from pressplant.storefront.downloads import request_customer
from pressplant.storefront.pages import sign_in_first


@require_POST
def top_up(request: HttpRequest) -> HttpResponse:
    customer = request_customer(request)
    if customer is None:
        return sign_in_first(request)
    try:
        amount = Money.parse(request.POST.get("amount", ""), customer.currency)
        if amount.amount_minor <= 0:
            raise MoneyError("not positive")
    except MoneyError:
        messages.error(request, _("Enter an amount to top up, such as 10.00."))
        return redirect("storefront:wallet")
    wallet_url = request.build_absolute_uri(reverse("storefront:wallet"))
    try:
        checkout = stripe.from_settings(http=stripe.urllib_post).create_checkout(
            customer.pk, amount, success_url=wallet_url + "?paid=1", cancel_url=wallet_url)
    except ProviderError:
        messages.error(request, _("Card payments are not available right now. Nothing was charged."))
        return redirect("storefront:wallet")
    return redirect(checkout.url)
