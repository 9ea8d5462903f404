"""Payout runs: each run pays every payee whose payable balance reached the threshold, once, under the
caller's key; a `Payout` row per payee and currency names the ledger entry that moved the money."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from pressplant.money import Money

RUN_KEY_MAX_LENGTH = 100
"""Short enough that `payout:<run key>:<payee code>:<currency>` fits a ledger entry key."""


class PayoutRun(models.Model):
    key = models.CharField(max_length=RUN_KEY_MAX_LENGTH, unique=True,
                           help_text="The caller's idempotency key: the same key replays the run.")
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the thresholds and the cut-off.")
    accrued_before = models.DateTimeField(null=True, blank=True,
                                          help_text="Pays what accrued before this instant; empty: up to the run.")
    thresholds = models.JSONField(default=dict, help_text="Currency -> the least amount paid out, in minor units.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"payout run {self.key}"

    def totals(self) -> dict[str, Money]:
        sums = self.payouts.values("currency").annotate(total=models.Sum("amount_minor")).order_by("currency")
        return {row["currency"]: Money(row["total"], row["currency"]) for row in sums}


class Payout(models.Model):
    run = models.ForeignKey(PayoutRun, on_delete=models.PROTECT, related_name="payouts")
    payee_code = models.CharField(max_length=80)
    payee_name = models.CharField(max_length=300)
    email = models.CharField(max_length=254, blank=True)
    currency = models.CharField(max_length=3)
    amount_minor = models.BigIntegerField()
    ledger_entry_id = models.BigIntegerField(help_text="The payout entry: payable -> external:payouts.")

    class Meta:
        ordering = ("run", "payee_code", "currency")
        constraints = (
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="payout_amount_positive"),
            models.UniqueConstraint(fields=("run", "payee_code", "currency"), name="payout_once_per_run"),
        )

    def __str__(self) -> str:
        return f"{self.payee_name}: {self.amount.format()}"

    @property
    def amount(self) -> Money:
        return Money(self.amount_minor, self.currency)
