"""What every storefront page needs: the buyer behind the request, their currency and their balance."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from pressplant.accounts.models import Customer
from pressplant.orders.shop import wallet_balance
from pressplant.storefront.downloads import request_customer


def render_page(request: HttpRequest, template: str, context: dict[str, Any], *,
                customer: Customer | None = None, status: int = 200) -> HttpResponse:
    """Render a page of the site with the header's balance filled in for a signed-in buyer."""
    customer = customer if customer is not None else request_customer(request)
    page = {"customer": customer, "balance": wallet_balance(customer) if customer is not None else None}
    return render(request, template, {**page, **context}, status=status)


def sign_in_first(request: HttpRequest, next_url: str | None = None) -> HttpResponseRedirect:
    """Send a visitor to the sign-in page, to come back to `next_url` (default: this page) afterwards."""
    return redirect_to_login(next_url or request.get_full_path(), reverse("accounts:login"))
