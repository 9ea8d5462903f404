"""Account pages, server-rendered and usable without JavaScript. Thin: each view calls one action."""

from __future__ import annotations

from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from pressplant.accounts import actions
from pressplant.accounts.forms import LoginForm, SignUpForm
from pressplant.accounts.models import Customer

SIGN_UP_ERROR_FIELDS: dict[type[actions.AccountError], str] = {
    actions.AccountExists: "email",
    actions.InvalidEmail: "email",
    actions.WeakPassword: "password",
    actions.UnknownCountry: "country",
}
"""Which form field an action's error is shown next to."""


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        data = form.cleaned_data
        try:
            customer = actions.sign_up(data["email"], data["password"], data["country"])
        except actions.WeakPassword as error:
            form.add_error("password", error.messages)
        except actions.AccountError as error:
            form.add_error(SIGN_UP_ERROR_FIELDS.get(type(error)), str(error))
        else:
            login(request, customer.user)
            return redirect("accounts:account")
    return render(request, "accounts/signup.html", {"form": form})


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        client_key = request.META.get("REMOTE_ADDR") or "unknown"
        try:
            customer = actions.authenticate_customer(
                form.cleaned_data["email"], form.cleaned_data["password"], client_key
            )
        except actions.LoginThrottled as error:
            form.add_error(None, str(error))
            context = {"form": form, "next": _next_url(request)}
            response = render(request, "accounts/login.html", context, status=429)
            response["Retry-After"] = str(error.retry_after_seconds)
            return response
        except actions.InvalidCredentials as error:
            form.add_error(None, str(error))
        else:
            login(request, customer.user)
            return _redirect_after_login(request)
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request)})


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(candidate, {request.get_host()}, require_https=request.is_secure())
    return candidate if safe else ""


def _redirect_after_login(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request)
    return HttpResponseRedirect(next_url) if next_url else redirect("accounts:account")


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


@login_required(login_url="accounts:login")
def account(request: HttpRequest) -> HttpResponse:
    customer = get_object_or_404(Customer.objects.select_related("user"), user_id=request.user.pk)
    return render(request, "accounts/account.html", {"customer": customer})
