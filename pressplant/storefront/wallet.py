"""The wallet page: the balance, a voucher box (payments.actions.redeem_voucher) and the history."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pressplant.accounts.models import Customer
from pressplant.ledger.errors import LedgerError
from pressplant.orders.shop import wallet_history
from pressplant.payments import stripe
from pressplant.payments.actions import redeem_voucher
from pressplant.payments.errors import VoucherAlreadyRedeemed, VoucherError
from pressplant.storefront.downloads import request_customer
from pressplant.storefront.forms import VoucherForm
from pressplant.storefront.pages import render_page, sign_in_first


@require_http_methods(["GET", "HEAD", "POST"])
def wallet(request: HttpRequest) -> HttpResponse:
    customer = request_customer(request)
    if customer is None:
        return sign_in_first(request)
    form = VoucherForm(request.POST if request.method == "POST" else None)
    if form.is_valid() and _redeem(request, customer, form.cleaned_data["code"]):
        return redirect("storefront:wallet")
    status = 400 if form.is_bound else 200
    context = {"form": form, "history": wallet_history(customer), "card_payments": stripe.is_configured()}
    return render_page(request, "storefront/wallet.html", context, customer=customer, status=status)


def _redeem(request: HttpRequest, customer: Customer, code: str) -> bool:
    """Redeem the code and say what happened; False (nothing credited) when it was refused."""
    try:
        done = redeem_voucher(customer.pk, code)
    except VoucherAlreadyRedeemed:
        messages.error(request, _("This voucher was redeemed before: a voucher pays out once."))
        return False
    except VoucherError:
        messages.error(request, _("No voucher has this code. Check it and try again."))
        return False
    except LedgerError:
        messages.error(request, _("This voucher cannot be paid into your wallet (another currency?)."))
        return False
    text = _("Voucher redeemed: %(amount)s added. Your balance is now %(balance)s.")
    if not done.bonus.is_zero:
        text = _("Voucher redeemed: %(amount)s added, plus a bonus of %(bonus)s. Your balance is now %(balance)s.")
    messages.success(request, text % {"amount": done.voucher_amount.format(), "bonus": done.bonus.format(),
                                      "balance": done.balance.format()})
    return True
