"""Sign up and get an API token: thin calls of the accounts actions."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from pressplant.accounts.actions import authenticate_customer, issue_token, sign_up
from pressplant.api.schemas import AccountOut, ErrorOut, SignUpIn, TokenIn, TokenOut

router = Router(tags=["accounts"])


@router.post("/accounts", response={201: AccountOut, 400: ErrorOut, 409: ErrorOut})
def create_account(request: HttpRequest, body: SignUpIn) -> Status[AccountOut]:
    customer = sign_up(body.email, body.password, body.country)
    return Status(201, AccountOut(id=customer.pk, email=customer.email, country=customer.country,
                                  currency=customer.currency))


@router.post("/tokens", response={200: TokenOut, 401: ErrorOut, 429: ErrorOut})
def create_token(request: HttpRequest, body: TokenIn) -> TokenOut:
    """A new token for the email and password. Failures are rate limited per email and per client address."""
    client_key = request.META.get("REMOTE_ADDR") or "unknown"
    customer = authenticate_customer(body.email, body.password, client_key)
    return TokenOut(token=issue_token(customer))
