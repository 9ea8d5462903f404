"""State changes for accounts: sign up, sign in (rate limited), API tokens. One transaction each.

The storefront and the JSON API both call these; neither checks a rule of its own.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import (
    get_default_password_validators,
    get_password_validators,
    password_validators_help_texts,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from pressplant.accounts.countries import find_country
from pressplant.accounts.models import ApiToken, Customer, LoginAttempt, live_token

if TYPE_CHECKING:
    from django.contrib.auth.password_validation import PasswordValidator  # a Protocol of the type stubs

LOGIN_WINDOW = timedelta(minutes=15)
MAX_FAILED_LOGINS = 5
"""At most this many failed sign-ins per email and per client within LOGIN_WINDOW; the next is refused."""
TOKEN_USE_INTERVAL = timedelta(minutes=1)
"""An API token's last use is noted no finer than this."""

PASSWORD_VALIDATORS: list[dict[str, Any]] = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
"""Used when settings.AUTH_PASSWORD_VALIDATORS is empty, so a deployment cannot end up with none."""

_EMAIL_MAX_LENGTH = 150
"""User.username holds the email, and is 150 characters long."""
_CLIENT_KEY_MAX_LENGTH = 100
"""LoginAttempt.client_key's length; an IPv6 address takes at most 45."""


class AccountError(Exception):
    """Base of the errors an account action raises; the message is fit to show to the user."""


class AccountExists(AccountError):
    def __init__(self, email: str) -> None:
        super().__init__(gettext("An account with the email %(email)s already exists.") % {"email": email})


class InvalidEmail(AccountError):
    def __init__(self, email: str) -> None:
        super().__init__(gettext("%(email)s is not a valid email address.") % {"email": email})


class UnknownCountry(AccountError):
    def __init__(self, country: str) -> None:
        super().__init__(gettext("We do not know the country %(country)s.") % {"country": country})


class WeakPassword(AccountError):
    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__(" ".join(messages))


class InvalidCredentials(AccountError):
    """The same message whether the email is unknown or the password wrong: no account enumeration."""

    def __init__(self) -> None:
        super().__init__(gettext("The email or password is not right."))


class LoginThrottled(AccountError):
    def __init__(self, retry_after_seconds: int) -> None:
        self.retry_after_seconds = retry_after_seconds
        minutes = math.ceil(retry_after_seconds / 60)
        super().__init__(
            ngettext(
                "Too many failed sign-in attempts. Please try again in %(minutes)d minute.",
                "Too many failed sign-in attempts. Please try again in %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes}
        )


def normalize_email(email: str) -> str:
    return email.strip().lower()


def sign_up(email: str, password: str, country: str) -> Customer:
    """Create the user and its customer, with the wallet currency of the country. Nothing is written on error."""
    email = normalize_email(email)
    _check_email(email)
    found = find_country(country)
    if found is None:
        raise UnknownCountry(country)
    _check_password(email, password)
    try:
        with transaction.atomic():
            if User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists():
                raise AccountExists(email)
            user = User.objects.create_user(username=email, email=email, password=password)
            return Customer.objects.create(user=user, country=country.strip().upper(), currency=found.currency)
    except IntegrityError as error:  # a concurrent sign-up with the same email won the race
        raise AccountExists(email) from error


def _check_email(email: str) -> None:
    if len(email) > _EMAIL_MAX_LENGTH:
        raise InvalidEmail(email)
    try:
        validate_email(email)
    except ValidationError as error:
        raise InvalidEmail(email) from error


def _password_validators() -> list[PasswordValidator]:
    return get_default_password_validators() or get_password_validators(PASSWORD_VALIDATORS)


def password_rules() -> list[str]:
    """What a password must be, in the user's language, from the same validators sign_up applies."""
    return [str(text) for text in password_validators_help_texts(_password_validators())]


def _check_password(email: str, password: str) -> None:
    validators = _password_validators()
    try:
        validate_password(password, user=User(username=email, email=email), password_validators=validators)
    except ValidationError as error:
        raise WeakPassword([str(message) for message in error.messages]) from error


def authenticate_customer(email: str, password: str, client_key: str) -> Customer:
    """The customer with this email and password, unless this email or client failed too often lately.

    Failures are rows in the database, so the limit holds across processes. A refused (throttled) attempt
    is not recorded, so the lockout ends LOGIN_WINDOW after the failures, however often one retries.
    """
    email = normalize_email(email)[:_EMAIL_MAX_LENGTH]  # longer ones are unknown anyway; keep the row valid
    client_key = client_key[:_CLIENT_KEY_MAX_LENGTH]
    now = timezone.now()
    retry_after_seconds = _retry_after_seconds(email, client_key, now)
    if retry_after_seconds:
        raise LoginThrottled(retry_after_seconds)
    customer = _customer_with_password(email, password)
    LoginAttempt.objects.create(email=email, client_key=client_key, succeeded=customer is not None, attempted_at=now)
    if customer is None:
        raise InvalidCredentials()
    return customer


def _retry_after_seconds(email: str, client_key: str, now: datetime) -> int:
    """Seconds until both the email and the client are under the limit again; 0 if they are now."""
    recent = LoginAttempt.objects.failed_since(now - LOGIN_WINDOW)
    waits = [0.0]
    for attempts in (recent.filter(email=email), recent.filter(client_key=client_key)):
        times = list(attempts.order_by("-attempted_at").values_list("attempted_at", flat=True)[:MAX_FAILED_LOGINS])
        if len(times) == MAX_FAILED_LOGINS:
            # Under the limit again once the MAX_FAILED_LOGINS-th most recent failure leaves the window.
            waits.append((times[-1] + LOGIN_WINDOW - now).total_seconds())
    wait_seconds = max(waits)
    return max(1, math.ceil(wait_seconds)) if wait_seconds > 0 else 0


def forget_old_login_attempts(days: int) -> int:
    """Delete the sign-in records older than `days` (the store keeps PRESSPLANT_LOGIN_RECORD_DAYS); how many
    went."""
    if days < 1:
        raise ValueError("sign-in records are kept at least a day (the rate limit reads the last 15 minutes)")
    return forget_login_attempts(timezone.now() - timedelta(days=days))


def forget_login_attempts(before: datetime) -> int:
    """Delete login records older than `before`; how many went. IP addresses are personal data, and the
    rate limit only reads the last LOGIN_WINDOW, so `before` may be anything earlier than that."""
    if before > timezone.now() - LOGIN_WINDOW:
        raise ValueError("the rate limit still needs the attempts of the last LOGIN_WINDOW")
    deleted, _ = LoginAttempt.objects.filter(attempted_at__lt=before).delete()
    return deleted


def _customer_with_password(email: str, password: str) -> Customer | None:
    customer = Customer.objects.select_related("user").filter(user__username=email).first()
    if customer is None:
        make_password(password)  # take as long as a real check, so timing does not tell who has an account
        return None
    if not customer.user.is_active or not customer.user.check_password(password):
        return None
    return customer


def _token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(customer: Customer) -> str:
    """A new API token for the customer. Shown once: only its SHA-256 is kept."""
    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(customer=customer, token_sha256=_token_sha256(token))
    return token


def customer_for_token(token: str) -> Customer | None:
    """The customer a live token belongs to (and notes its use), or None for unknown or revoked tokens.

    The use is noted at most once a minute (TOKEN_USE_INTERVAL): a download client sending hundreds of
    requests must not write a row (and, on SQLite, take the write lock) for each."""
    row = live_token(_token_sha256(token))
    if row is None:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at >= TOKEN_USE_INTERVAL:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.customer


def revoke_token(token: str) -> bool:
    """Revoke a token; False if it was unknown or already revoked."""
    revoked = ApiToken.objects.filter(token_sha256=_token_sha256(token), revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return revoked > 0


def revoke_all_tokens(customer: Customer) -> int:
    """Revoke every live token of the customer (after a password change, say); how many were revoked."""
    return ApiToken.objects.filter(customer=customer, revoked_at__isnull=True).update(revoked_at=timezone.now())
