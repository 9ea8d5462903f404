"""Orders, their lines (each with the quote frozen at purchase), and the entitlements they grant."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import ClassVar

from django.db import connections, models
from django.db.models import Q

from pressplant.accounts.countries import COUNTRIES
from pressplant.accounts.models import Customer
from pressplant.catalogue.models import Release, Track
from pressplant.money import Money
from pressplant.operations.rows import columns_of, read_one


class TransitionError(Exception):
    """A status change the order's life cycle does not allow."""


class Order(models.Model):
    class Status(models.TextChoices):
        PAID = "paid"
        REFUNDED = "refunded"

    TRANSITIONS: ClassVar[dict[str, set[str]]] = {Status.PAID: {Status.REFUNDED}, Status.REFUNDED: set()}

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    idempotency_key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PAID)
    total_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    ledger_entry_id = models.BigIntegerField(null=True, blank=True)
    territory = models.CharField(max_length=2, default="",
                                 help_text="Where the sale took place: the licence and VAT country.")
    declared_country = models.CharField(max_length=2, default="",
                                        help_text="Evidence 1: the country the buyer declared.")
    detected_country = models.CharField(max_length=2, blank=True,
                                        help_text="Evidence 2: the trusted proxy's IP country header, if any.")
    refunded_at = models.DateTimeField(null=True, blank=True)
    refund_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = (models.Index(fields=("created_at",), name="order_created_at"),
                   models.Index(fields=("refunded_at",), name="order_refunded_at"))
        constraints = (
            models.UniqueConstraint(fields=("customer", "idempotency_key"), name="order_idempotency_key_unique"),
            models.CheckConstraint(condition=Q(total_minor__gte=0), name="order_total_not_negative"),
        )

    def __str__(self) -> str:
        return f"order {self.pk} ({self.total.format()}, {self.status})"

    @property
    def total(self) -> Money:
        return Money(self.total_minor, self.currency)

    @property
    def territory_name(self) -> str:
        country = COUNTRIES.get(self.territory)
        return country.name if country else self.territory

    def transition_to(self, status: str) -> None:
        """The one way to change an order's status: only along TRANSITIONS."""
        if status not in self.TRANSITIONS[self.status]:
            raise TransitionError(f"order {self.pk}: cannot go from {self.status} to {status}")
        self.status = status
        self.save(update_fields=["status"])


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="lines")
    track = models.ForeignKey(Track, null=True, blank=True, on_delete=models.PROTECT)
    release = models.ForeignKey(Release, null=True, blank=True, on_delete=models.PROTECT)
    format_name = models.CharField(max_length=20)
    size_bytes = models.BigIntegerField()
    size_is_exact = models.BooleanField()
    list_price_minor = models.BigIntegerField()
    """The quote's price for the item at purchase."""
    price_minor = models.BigIntegerField()
    """What was charged: the list price less what the buyer had paid for the item in another format."""
    currency = models.CharField(max_length=3)
    basis = models.CharField(max_length=300)
    vat_minor = models.BigIntegerField(default=0)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=4, default=0)
    ledger_entry_id = models.BigIntegerField(null=True, blank=True, help_text="The sale's one ledger entry.")
    parts_key = models.BigIntegerField(null=True, blank=True,
                                       help_text="parts_key() of the line's sale parts (none for a free line).")

    class Meta:
        ordering = ("id",)
        constraints = (
            models.CheckConstraint(condition=Q(track__isnull=False, release__isnull=True)
                                   | Q(track__isnull=True, release__isnull=False), name="line_is_track_or_release"),
            models.CheckConstraint(condition=Q(price_minor__gte=0) & Q(price_minor__lte=models.F("list_price_minor")),
                                   name="line_price_within_list_price"),
        )

    def __str__(self) -> str:
        item = self.track or self.release
        return f"{item} in {self.format_name}: {self.price.format()}"

    @property
    def price(self) -> Money:
        return Money(self.price_minor, self.currency)

    @property
    def list_price(self) -> Money:
        return Money(self.list_price_minor, self.currency)

    @property
    def ex_vat(self) -> Money:
        return Money(self.price_minor - self.vat_minor, self.currency)

    @property
    def vat(self) -> Money:
        return Money(self.vat_minor, self.currency)

    @property
    def vat_percent(self) -> str:
        """'19%', '25.5%': the rate as a buyer reads it."""
        return f"{(Decimal(self.vat_rate) * 100).normalize():f}%"


PARTS_KEY_COLUMNS = ("role", "account", "payee_code", "payee_name", "amount_minor", "currency", "basis")
"""A sale part's columns that parts_key() reads, in its order."""


def parts_key(parts: Iterable[Sequence[object]]) -> int:
    """A 64-bit fingerprint of one line's sale parts as stored (each part's PARTS_KEY_COLUMNS, the parts in
    their order). Lines with equal keys were split alike: the month's statements sum such lines first and
    read one line's parts for all of them, instead of grouping every part of every sale. (Lines split alike
    may still differ in key, say if this function changes: their statement lines are summed again by what
    they show. Every statement total is checked against the ledger.)"""
    text = json.dumps([[str(value) for value in part] for part in parts])  # str: a role may be a TextChoices
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)


class SalePart(models.Model):
    """Where one line's money went, as posted in its ledger entry: a frozen copy for receipts and statements.

    The parts of a line sum to its price. `account` is the ledger account credited; `payee_code` the
    rights payee behind a `payable:` account (blank for VAT and the store's margin)."""

    class Role(models.TextChoices):
        VAT = "vat", "VAT"
        LABEL = "label", "Label"
        ARTIST = "artist", "Artist"
        PUBLISHER = "publisher", "Publisher"
        SOCIETY = "society", "Collecting society"
        OTHER = "other", "Other rights holder"
        MECHANICAL = "mechanical", "Mechanical royalty"
        STORE = "store", "Store"

    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="parts")
    role = models.CharField(max_length=20, choices=Role.choices)
    account = models.CharField(max_length=120)
    payee_code = models.CharField(max_length=80, blank=True)
    payee_name = models.CharField(max_length=300, blank=True)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    basis = models.CharField(max_length=200, blank=True, help_text="How it was computed: '70% of ex-VAT', ...")

    class Meta:
        ordering = ("line", "id")
        constraints = (models.CheckConstraint(condition=Q(amount_minor__gt=0), name="sale_part_positive"),)

    def __str__(self) -> str:
        return f"{self.role} {self.payee_name or self.account}: {self.amount.format()}"

    @property
    def amount(self) -> Money:
        return Money(self.amount_minor, self.currency)


class EntitlementQuerySet(models.QuerySet["Entitlement"]):
    def of(self, customer: Customer) -> EntitlementQuerySet:
        return self.filter(customer=customer, revoked_at=None).select_related("track", "release", "order_line")

    def covering_download(self, customer: Customer, track: Track, format_name: str) -> Entitlement | None:
        """The customer's live entitlement that lets them download `track` in `format_name` (the track's
        own, or its whole release's): one open now if there is one, else the one that opens first. Written
        by hand, as held() below: every download asks."""
        sql = (f"SELECT {columns_of(Entitlement)} FROM orders_entitlement "  # noqa: S608  (names from the model)
               "WHERE customer_id = %s AND revoked_at IS NULL AND format_name = %s "
               "AND (track_id = %s OR release_id = %s) "
               "ORDER BY available_at IS NOT NULL, available_at, id")  # open ones (no date) first, on both databases
        return read_one(Entitlement, sql, [customer.pk, format_name, track.pk, track.release_id])

    def held(self, customer: Customer, *, track: Track | None = None, release: Release | None = None
             ) -> list[tuple[str, int | None, int]]:
        """(format, track id, price paid) of the customer's live entitlements covering `track` (the track
        or its whole release) or `release`. Written by hand: every purchase asks, and the ORM's query
        building cost more than the database's answer."""
        if track is not None:
            covering, params = "(e.track_id = %s OR e.release_id = %s)", [track.pk, track.release_id]
        else:
            assert release is not None
            covering, params = "e.track_id IS NULL AND e.release_id = %s", [release.pk]
        sql = ("SELECT e.format_name, e.track_id, l.price_minor FROM orders_entitlement e "  # noqa: S608
               f"JOIN orders_orderline l ON l.id = e.order_line_id "
               f"WHERE e.customer_id = %s AND e.revoked_at IS NULL AND {covering}")
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, [customer.pk, *params])  # placeholders only, above
            found: list[tuple[str, int | None, int]] = cursor.fetchall()
        return found


class Entitlement(models.Model):
    """The right to download an item in a format, again and again, forever."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="entitlements")
    track = models.ForeignKey(Track, null=True, blank=True, on_delete=models.PROTECT)
    release = models.ForeignKey(Release, null=True, blank=True, on_delete=models.PROTECT)
    format_name = models.CharField(max_length=20)
    order_line = models.OneToOneField(OrderLine, on_delete=models.PROTECT, related_name="entitlement")
    available_at = models.DateTimeField(null=True, blank=True, help_text="A pre-order: downloads open then.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EntitlementQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = (
            models.UniqueConstraint(fields=("customer", "track", "format_name"),
                                    condition=Q(track__isnull=False, revoked_at__isnull=True),
                                    name="entitlement_track_once"),
            models.UniqueConstraint(fields=("customer", "release", "format_name"),
                                    condition=Q(release__isnull=False, revoked_at__isnull=True),
                                    name="entitlement_release_once"),
        )

    def __str__(self) -> str:
        return f"{self.customer}: {self.track or self.release} in {self.format_name}"

    def is_open(self, at: datetime) -> bool:
        """Downloadable now: not revoked, and past the release date of a pre-order."""
        return self.revoked_at is None and (self.available_at is None or self.available_at <= at)
