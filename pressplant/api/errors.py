"""Every error the API answers with is JSON {code, message}, with a stable code and an HTTP status.

Which status and code an action's error gets is data (ERRORS, ORDER_STATUSES); the actions decide.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from pressplant.accounts.actions import (
    AccountError,
    AccountExists,
    InvalidCredentials,
    InvalidEmail,
    LoginThrottled,
    UnknownCountry,
    WeakPassword,
)
from pressplant.audio.errors import UnknownFormat
from pressplant.orders.actions import OrderError
from pressplant.payments.errors import VoucherAlreadyRedeemed, VoucherError, VoucherNotFound


class IdempotencyKeyRequired(Exception):
    """A money-moving POST came without its Idempotency-Key header."""

    def __init__(self) -> None:
        super().__init__("send an Idempotency-Key header (any unique text, reused only to retry this request)")


ERRORS: dict[type[Exception], tuple[int, str]] = {
    AccountError: (400, "account_refused"),
    AccountExists: (409, "account_exists"),
    InvalidEmail: (400, "invalid_email"),
    UnknownCountry: (400, "unknown_country"),
    WeakPassword: (400, "weak_password"),
    InvalidCredentials: (401, "invalid_credentials"),
    UnknownFormat: (400, "unknown_format"),
    VoucherError: (400, "voucher_refused"),
    VoucherNotFound: (404, "voucher_not_found"),
    VoucherAlreadyRedeemed: (409, "voucher_already_redeemed"),
    IdempotencyKeyRequired: (400, "idempotency_key_required"),
    ObjectDoesNotExist: (404, "not_found"),
    Http404: (404, "not_found"),
    AuthenticationError: (401, "unauthorized"),
}
"""Error type -> (HTTP status, code). A subclass not listed takes its nearest listed base's row."""

ORDER_STATUSES: dict[str, int] = {
    "insufficient_funds": 402,
    "already_owned": 409,
    "idempotency_key_reused": 409,
    "unknown_item": 400,
    "not_available": 451,  # Unavailable For Legal Reasons: not licensed here, not yet, or withdrawn
    "territory_conflict": 403,
}
"""OrderError.code -> HTTP status; other order errors are 400."""


def error_response(api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str,
                   **extra: Any) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


def register(api: NinjaAPI) -> None:
    """Install the handlers: one per row of ERRORS, plus orders, throttling, validation and HttpError."""
    for error_type, (status, code) in ERRORS.items():
        api.add_exception_handler(error_type, _table_handler(api, status, code))
    api.add_exception_handler(LoginThrottled, partial(_throttled, api=api))
    api.add_exception_handler(OrderError, partial(_order_error, api=api))
    api.add_exception_handler(ValidationError, partial(_invalid, api=api))
    api.add_exception_handler(HttpError, partial(_http_error, api=api))


def _table_handler(api: NinjaAPI, status: int, code: str) -> Any:
    def handle(request: HttpRequest, exc: Exception) -> HttpResponse:
        message = str(exc) or code.replace("_", " ")
        extra = {"messages": exc.messages} if isinstance(exc, WeakPassword) else {}
        return error_response(api, request, status, code, message, **extra)

    return handle


def _throttled(request: HttpRequest, exc: LoginThrottled, *, api: NinjaAPI) -> HttpResponse:
    response = error_response(api, request, 429, "login_throttled", str(exc),
                              retry_after_seconds=exc.retry_after_seconds)
    response["Retry-After"] = str(exc.retry_after_seconds)
    return response


def _order_error(request: HttpRequest, exc: OrderError, *, api: NinjaAPI) -> HttpResponse:
    return error_response(api, request, ORDER_STATUSES.get(exc.code, 400), exc.code, str(exc))


def _invalid(request: HttpRequest, exc: ValidationError, *, api: NinjaAPI) -> HttpResponse:
    return error_response(api, request, 422, "invalid_request", "the request does not match the schema",
                          detail=exc.errors)


def _http_error(request: HttpRequest, exc: HttpError, *, api: NinjaAPI) -> HttpResponse:
    return error_response(api, request, exc.status_code, f"http_{exc.status_code}", exc.message)
