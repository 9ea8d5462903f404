"""Who is calling: the owner of a Bearer API token, looked up by the accounts app."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from pressplant.accounts.actions import customer_for_token
from pressplant.accounts.models import Customer


class ApiToken(HttpBearer):
    """`Authorization: Bearer <token>`; ninja answers 401 when this returns None."""

    def authenticate(self, request: HttpRequest, token: str) -> Customer | None:
        return customer_for_token(token)


api_token = ApiToken()


def caller(request: HttpRequest) -> Customer:
    """The authenticated customer of an endpoint that requires the token."""
    customer = request.auth  # type: ignore[attr-defined]
    assert isinstance(customer, Customer)
    return customer


def optional_caller(request: HttpRequest) -> Customer | None:
    """The customer when a valid token is sent, else None: for endpoints open to visitors too."""
    customer = api_token(request)
    return customer if isinstance(customer, Customer) else None
