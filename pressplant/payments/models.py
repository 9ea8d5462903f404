"""Tables of money coming in: PIN vouchers and the bonus rules applied to top-ups.

Voucher codes are secrets: only an HMAC of the normalised code is stored (see codes.py), plus a short
non-secret prefix for support look-ups. The customer is stored as an id (the accounts app owns the table),
and the ledger entry as an id (the ledger app is separate and append-only).
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import Q

from pressplant.money import CURRENCY_EXPONENTS, Money

BATCH_MAX_LENGTH = 100
CURRENCY_CHOICES = [(code, code) for code in CURRENCY_EXPONENTS]


class Voucher(models.Model):
    code_hash = models.CharField(max_length=64, unique=True, help_text="HMAC-SHA256 of the normalised code")
    code_prefix = models.CharField(max_length=4, db_index=True, help_text="first 4 characters, not secret")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    batch = models.CharField(max_length=BATCH_MAX_LENGTH, blank=True, default="", db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    redeemed_by = models.BigIntegerField(null=True, blank=True, help_text="customer id")
    redeemed_at = models.DateTimeField(null=True, blank=True)
    ledger_entry_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = (
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="voucher_amount_positive"),
            models.CheckConstraint(
                condition=Q(redeemed_at__isnull=True, redeemed_by__isnull=True)
                | Q(redeemed_at__isnull=False, redeemed_by__isnull=False),
                name="voucher_redeemed_by_and_at_together",
            ),
        )

    def __str__(self) -> str:
        return f"{self.code_prefix}-… {self.amount.format()}"

    @property
    def amount(self) -> Money:
        return Money(self.amount_minor, self.currency)

    @property
    def is_redeemed(self) -> bool:
        return self.redeemed_at is not None


class BonusRuleQuerySet(models.QuerySet["BonusRule"]):
    def applying_to(self, amount: Money, at: datetime) -> BonusRuleQuerySet:
        """Active rules for this currency whose threshold the amount reaches, in force at `at`."""
        return self.filter(
            Q(starts_at__isnull=True) | Q(starts_at__lte=at),
            Q(ends_at__isnull=True) | Q(ends_at__gt=at),
            is_active=True,
            currency=amount.currency,
            min_amount_minor__lte=amount.amount_minor,
        )


class BonusRule(models.Model):
    """A top-up bonus such as +20% from 50.00 GBP: `percent_bp` = 2000, `min_amount_minor` = 5000."""

    name = models.CharField(max_length=100, blank=True, default="")
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    min_amount_minor = models.BigIntegerField(help_text="the top-up must be at least this, in minor units")
    percent_bp = models.PositiveIntegerField(help_text="bonus in basis points of the top-up: 2000 = 20%")
    is_active = models.BooleanField(default=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)

    objects = BonusRuleQuerySet.as_manager()

    class Meta:
        constraints = (
            models.CheckConstraint(condition=Q(min_amount_minor__gte=0), name="bonus_rule_min_not_negative"),
            models.CheckConstraint(condition=Q(percent_bp__gt=0), name="bonus_rule_percent_positive"),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True) | Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="bonus_rule_ends_after_start",
            ),
        )

    def __str__(self) -> str:
        threshold = Money(self.min_amount_minor, self.currency).format()
        return self.name or f"+{self.percent_bp / 100:g}% from {threshold}"
