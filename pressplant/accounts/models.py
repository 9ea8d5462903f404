"""Customers (one per Django user), failed-login records for rate limiting, and API tokens.

The login is the email address, stored lowercased in both ``User.username`` (unique) and ``User.email``;
the migration backs that with a unique index on ``lower(email)``.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, models

from pressplant.accounts.countries import COUNTRIES
from pressplant.operations.rows import columns_of, instances_from_row, read_one


class Customer(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="customer")
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code of the country of residence.")
    currency = models.CharField(max_length=3, help_text="ISO 4217 code of the wallet, fixed at sign-up.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "pk")

    def __str__(self) -> str:
        return self.email

    @property
    def email(self) -> str:
        return self.user.email

    @property
    def country_name(self) -> str:
        country = COUNTRIES.get(self.country)
        return country.name if country else self.country

    @property
    def wallet_account(self) -> str:
        """The ledger account that holds this customer's prepaid balance."""
        return f"customer:{self.pk}:wallet"


class LoginAttemptQuerySet(models.QuerySet["LoginAttempt"]):
    def failed_since(self, since: datetime) -> LoginAttemptQuerySet:
        return self.filter(succeeded=False, attempted_at__gt=since)


class LoginAttempt(models.Model):
    """One sign-in attempt. Only failures count towards the rate limit; successes are kept for the record."""

    email = models.CharField(max_length=254)
    client_key = models.CharField(max_length=100, help_text="The client's IP address.")
    succeeded = models.BooleanField()
    attempted_at = models.DateTimeField()

    objects = LoginAttemptQuerySet.as_manager()

    class Meta:
        ordering = ("-attempted_at", "-pk")
        indexes = (
            models.Index(fields=["email", "attempted_at"], name="accounts_attempt_email_at"),
            models.Index(fields=["client_key", "attempted_at"], name="accounts_attempt_client_at"),
        )

    def __str__(self) -> str:
        outcome = "ok" if self.succeeded else "failed"
        return f"{self.email} from {self.client_key} at {self.attempted_at:%Y-%m-%d %H:%M:%S} ({outcome})"


class ApiToken(models.Model):
    """A Bearer token for the JSON API. Only its SHA-256 is stored: a leaked table grants nothing."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="api_tokens")
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"token {self.pk} of {self.customer_id}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


def customer_of(user: AbstractBaseUser) -> Customer | None:
    """The signed-in user's customer (None for a user without one, such as an operator made by
    `createsuperuser`), with `user` as its user. Written by hand: every page and download of a signed-in
    buyer asks, and the ORM's query building cost more than the database's answer."""
    sql = f"SELECT {columns_of(Customer)} FROM accounts_customer WHERE user_id = %s"  # noqa: S608  (model's names)
    customer = read_one(Customer, sql, [user.pk])
    if customer is None:
        return None
    customer.user = user  # type: ignore[assignment]  # the request's user, already read: no second read
    return customer


def live_token(token_sha256: str) -> ApiToken | None:
    """The unrevoked token of an active user with this hash, its customer and user loaded; None if there is
    none. Written by hand: every API call and download asks, and the ORM's query building for this
    three-table read cost several times the database's answer."""
    user_model = get_user_model()
    users = user_model._meta.db_table
    sql = (f"SELECT {columns_of(ApiToken)}, {columns_of(Customer)}, {columns_of(user_model)} "  # noqa: S608
           "FROM accounts_apitoken JOIN accounts_customer ON accounts_customer.id = accounts_apitoken.customer_id "
           f"JOIN {users} ON {users}.id = accounts_customer.user_id "
           f"WHERE accounts_apitoken.token_sha256 = %s AND accounts_apitoken.revoked_at IS NULL "
           f"AND {users}.is_active")
    with connection.cursor() as cursor:
        cursor.execute(sql, [token_sha256])  # table and column names from the models, the value a parameter
        row = cursor.fetchone()
    if row is None:
        return None
    token, customer, user = instances_from_row((ApiToken, Customer, user_model), row)
    token.customer, customer.user = customer, user
    return cast(ApiToken, token)
