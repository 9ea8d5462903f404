"""The book of record: accounts, entries and their postings. Entries and postings are append-only
(database triggers refuse UPDATE and DELETE); an account's stored balance moves with its postings in
the same transaction, and verify_ledger() checks the two agree."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from pressplant.ledger.journal import CODE_MAX_LENGTH
from pressplant.money import Money


class Account(models.Model):
    code = models.CharField(max_length=CODE_MAX_LENGTH, unique=True)
    currency = models.CharField(max_length=3)
    kind = models.CharField(max_length=20)
    may_go_negative = models.BooleanField()
    balance_minor = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("code",)
        constraints = (
            models.CheckConstraint(condition=Q(may_go_negative=True) | Q(balance_minor__gte=0),
                                   name="ledger_account_no_overdraft"),
            models.CheckConstraint(condition=~Q(kind="wallet") | Q(may_go_negative=False),
                                   name="ledger_account_wallet_never_negative"),
        )

    def __str__(self) -> str:
        return self.code

    @property
    def balance(self) -> Money:
        return Money(self.balance_minor, self.currency)


class EntryQuerySet(models.QuerySet["Entry"]):
    def touching(self, code: str) -> EntryQuerySet:
        """Entries with a posting to or from the account `code`, newest first, postings loaded."""
        return (
            self.filter(Q(postings__debit__code=code) | Q(postings__credit__code=code))
            .distinct()
            .order_by("-created_at", "-id")
            .prefetch_related("postings__debit", "postings__credit")
        )


class Entry(models.Model):
    key = models.CharField(max_length=CODE_MAX_LENGTH, unique=True)
    kind = models.CharField(max_length=40)
    fingerprint = models.CharField(max_length=64)
    memo = models.TextField(blank=True, default="")
    reverses = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversals")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name_plural = "entries"
        indexes = (models.Index(fields=("kind", "created_at"), name="ledger_entry_kind_time"),)
        constraints = (
            models.UniqueConstraint(fields=["reverses"], condition=Q(kind="reversal"),
                                    name="ledger_entry_reversed_once"),
        )

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class Posting(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="postings")
    debit = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="debits")
    credit = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="credits")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)

    class Meta:
        ordering = ("id",)
        constraints = (
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="ledger_posting_amount_positive"),
            models.CheckConstraint(condition=~Q(debit=F("credit")), name="ledger_posting_not_to_itself"),
        )

    def __str__(self) -> str:
        return f"{self.debit_id} -> {self.credit_id}: {self.amount_minor} {self.currency}"

    @property
    def amount(self) -> Money:
        return Money(self.amount_minor, self.currency)
