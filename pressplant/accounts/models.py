"""Customers (one per Django user), failed-login records for rate limiting, and API tokens.

The login is the email address, stored lowercased in both ``User.username`` (unique) and ``User.email``;
the migration backs that with a unique index on ``lower(email)``.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models

from pressplant.accounts.countries import COUNTRIES


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
