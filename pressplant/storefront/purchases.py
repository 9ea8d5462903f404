"""Buying and the library: the Buy buttons post here, and the library lists what was bought with a fresh
download link for each item. Buying is orders.actions.place_order, the same action the JSON API calls."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from pressplant.orders.actions import OrderError, place_order
from pressplant.orders.models import Entitlement, Order
from pressplant.orders.shop import detected_country
from pressplant.orders.shop import library as library_items
from pressplant.orders.shop import receipt as order_receipt
from pressplant.storefront.downloads import request_customer
from pressplant.storefront.forms import BuyForm
from pressplant.storefront.pages import render_page, sign_in_first


@require_http_methods(["GET", "HEAD", "POST"])
def buy(request: HttpRequest) -> HttpResponse:
    """A Buy button. A visitor's asks by GET (their release page has no form to post): that never buys;
    it sends them to sign in and back to the release (a buyer already signed in goes back to it)."""
    if request.method != "POST":
        return _sign_in_to_buy(request)
    form = BuyForm(request.POST)
    if not form.is_valid():
        if "release" in form.cleaned_data:
            messages.error(request, _("Choose one of the formats listed, then press Buy."))
            return redirect("storefront:release", release_id=form.cleaned_data["release"])
        return HttpResponseBadRequest(_("This is not a purchase the store understands."))
    release_url = reverse("storefront:release", kwargs={"release_id": form.cleaned_data["release"]})
    customer = request_customer(request)
    if customer is None:
        return _sign_in_first(request, release_url)
    try:
        order = place_order(customer, [form.order_item()], form.cleaned_data["idempotency_key"],
                            detected_country(request))
    except OrderError as error:
        messages.error(request, _("Nothing was charged: %(reason)s.") % {"reason": error})
        return HttpResponseRedirect(release_url)
    opens_at = max((e.available_at for e in Entitlement.objects.filter(order_line__order=order)
                    if e.available_at is not None), default=None)
    if opens_at is not None:
        messages.success(request, _("Thank you! Pre-order %(number)s is paid (%(total)s); it downloads from "
                                    "%(date)s.") % {"number": order.pk, "total": order.total.format(),
                                                    "date": formats.date_format(opens_at, "j E Y")})
    else:
        messages.success(request, _("Thank you! Order %(number)s is paid (%(total)s); download it below.")
                         % {"number": order.pk, "total": order.total.format()})
    return redirect("storefront:library")


def _sign_in_to_buy(request: HttpRequest) -> HttpResponse:
    release = request.GET.get("release", "")
    if not (release.isascii() and release.isdigit() and len(release) <= 10 and 0 < int(release) < 2**31):
        return HttpResponseBadRequest(_("This is not a purchase the store understands."))
    release_url = reverse("storefront:release", kwargs={"release_id": int(release)})
    if request_customer(request) is not None:
        return HttpResponseRedirect(release_url)
    return _sign_in_first(request, release_url)


def _sign_in_first(request: HttpRequest, release_url: str) -> HttpResponseRedirect:
    messages.info(request, _("Sign in (or create an account) to buy; you will come back to the release."))
    return sign_in_first(request, release_url)


@require_safe
def library(request: HttpRequest) -> HttpResponse:
    customer = request_customer(request)
    if customer is None:
        return sign_in_first(request)
    return render_page(request, "storefront/library.html", {"items": library_items(customer)}, customer=customer)


@require_safe
def receipt(request: HttpRequest, order_id: int) -> HttpResponse:
    """The order, and where the buyer's money went: the label and artists, publishers, tax, the store."""
    customer = request_customer(request)
    if customer is None:
        return sign_in_first(request)
    try:
        shown = order_receipt(customer, order_id)
    except Order.DoesNotExist:
        raise Http404("no such order of yours") from None
    return render_page(request, "storefront/receipt.html", {"receipt": shown}, customer=customer)
