"""What labels licensed us to sell, as they told us: every DDEX message kept, the deals of the latest one,
the price tiers agreed with each sender, and who shares in a sale (payees, splits, label agreements).

The reading of these rows is pure (`availability`, `split`); this module only stores and converts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar, cast, overload

from django.conf import settings
from django.db import connection, models
from django.db.models import Q

from pressplant.catalogue.models import Label, Release, Track
from pressplant.operations.rows import columns_of, instance_from_row, instances_from_row
from pressplant.rights import ddex
from pressplant.rights.split import WHOLE_BP


class DdexMessage(models.Model):
    """One message as received, byte for byte, with what importing it did: the audit trail."""

    class Outcome(models.TextChoices):
        IMPORTED = "imported", "Imported"
        QUARANTINED = "quarantined", "Imported, quarantined"
        TEST = "test", "Test message: nothing put on sale"
        PURGED = "purged", "Purged"
        REFUSED = "refused", "Refused"

    sha256 = models.CharField(max_length=64, unique=True)
    source_name = models.CharField(max_length=500, help_text="The file name, drop folder path or upload name.")
    via = models.CharField(max_length=20, help_text="cli, folder, upload or api.")
    version = models.CharField(max_length=10, blank=True)
    kind = models.CharField(max_length=40, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    sender_party_id = models.CharField(max_length=100, blank=True)
    sender_name = models.CharField(max_length=300, blank=True)
    is_test = models.BooleanField(default=False)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    detail = models.TextField(blank=True, help_text="Why it was refused or quarantined, and what it changed.")
    xml = models.BinaryField()
    received_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        ordering = ("-received_at", "-id")
        verbose_name = "DDEX message"

    def __str__(self) -> str:
        return f"{self.kind or 'message'} {self.message_id or self.sha256[:12]} ({self.outcome})"


class Licence(models.Model):
    """A release's standing with its licensor: where its deals came from and whether it was purged.

    `source` "direct" is a release the operator ingested from files (the operator is the licensor and
    writes its deals); "ddex" follows the label's messages. What keeps a release off sale although its deals
    allow it (a price code without a tier) is derived when asked: `licences.unpriced_codes`.
    """

    class Source(models.TextChoices):
        DIRECT = "direct", "Ingested directly"
        DDEX = "ddex", "DDEX"

    release = models.OneToOneField(Release, on_delete=models.CASCADE, related_name="licence")
    source = models.CharField(max_length=10, choices=Source.choices)
    sender_party_id = models.CharField(max_length=100, blank=True)
    message = models.ForeignKey(DdexMessage, null=True, blank=True, on_delete=models.PROTECT,
                                help_text="The latest message: its deals are the statement of truth.")
    purged_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"licence of {self.release}"


class Deal(models.Model):
    """One deal of the latest statement of truth for a release (track None) or one of its tracks."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="deals")
    track = models.ForeignKey(Track, null=True, blank=True, on_delete=models.CASCADE, related_name="deals")
    message = models.ForeignKey(DdexMessage, null=True, blank=True, on_delete=models.PROTECT)
    commercial_model_types = models.JSONField(default=list, blank=True)
    use_types = models.JSONField(default=list, blank=True)
    territory_codes = models.JSONField(default=list, blank=True)
    excluded_territory_codes = models.JSONField(default=list, blank=True)
    start_date = models.DateField(null=True, blank=True)
    start_at = models.DateTimeField(null=True, blank=True, help_text="When sent with a time (UTC).")
    end_date = models.DateField(null=True, blank=True)
    end_at = models.DateTimeField(null=True, blank=True)
    pre_order_release_date = models.DateField(null=True, blank=True)
    price_code = models.CharField(max_length=100, blank=True)
    price_code_namespace = models.CharField(max_length=200, blank=True)
    wholesale_amount = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    wholesale_currency = models.CharField(max_length=3, blank=True)
    is_takedown = models.BooleanField(default=False)
    all_deals_cancelled = models.BooleanField(default=False)
    effective_date = models.DateField(null=True, blank=True)
    superseded_at = models.DateTimeField(
        null=True, blank=True,
        help_text="A later message's deals take over then (its EffectiveDate); until then this deal still applies.")

    class Meta:
        ordering = ("id",)
        constraints = (
            models.CheckConstraint(condition=Q(start_date__isnull=True) | Q(start_at__isnull=True),
                                   name="deal_start_date_or_time"),
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_at__isnull=True),
                                   name="deal_end_date_or_time"),
        )

    def __str__(self) -> str:
        return f"{'/'.join(self.commercial_model_types)} {'/'.join(self.use_types)} for {self.release}"

    @classmethod
    def from_ddex(cls, deal: ddex.Deal, release: Release, track: Track | None, message: DdexMessage | None) -> Deal:
        return cls(
            release=release, track=track, message=message,
            commercial_model_types=list(deal.commercial_model_types), use_types=list(deal.use_types),
            territory_codes=list(deal.territory_codes), excluded_territory_codes=list(deal.excluded_territory_codes),
            start_date=_date_part(deal.start), start_at=_time_part(deal.start),
            end_date=_date_part(deal.end), end_at=_time_part(deal.end),
            pre_order_release_date=deal.pre_order_release_date,
            price_code=deal.price_code.code if deal.price_code else "",
            price_code_namespace=(deal.price_code.namespace or "") if deal.price_code else "",
            wholesale_amount=deal.wholesale_price.amount if deal.wholesale_price else None,
            wholesale_currency=deal.wholesale_price.currency if deal.wholesale_price else "",
            is_takedown=deal.is_takedown, all_deals_cancelled=deal.all_deals_cancelled,
            effective_date=deal.effective_date,
        )  # fmt: skip

    def as_ddex(self) -> ddex.Deal:
        """The pure value `availability.is_sellable` reads."""
        wholesale = None
        if self.wholesale_amount is not None:
            wholesale = ddex.WholesalePrice(amount=Decimal(self.wholesale_amount), currency=self.wholesale_currency)
        code = ddex.PriceCode(self.price_code, self.price_code_namespace or None) if self.price_code else None
        return ddex.Deal(
            release_references=(), commercial_model_types=tuple(self.commercial_model_types),
            use_types=tuple(self.use_types), territory_codes=tuple(self.territory_codes),
            excluded_territory_codes=tuple(self.excluded_territory_codes),
            start=self.start_at or self.start_date, end=self.end_at or self.end_date,
            pre_order_release_date=self.pre_order_release_date, pre_order_preview_date=None,
            price_code=code, wholesale_price=wholesale, is_takedown=self.is_takedown,
            all_deals_cancelled=self.all_deals_cancelled, effective_date=self.effective_date,
        )  # fmt: skip


def _date_part(moment: date | datetime | None) -> date | None:
    return None if isinstance(moment, datetime) else moment


def _time_part(moment: date | datetime | None) -> datetime | None:
    if not isinstance(moment, datetime):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class PriceTier(models.Model):
    """The operator's table: a sender's price code means this wholesale price per unit in a currency."""

    sender_party_id = models.CharField(max_length=100, help_text="The DPID of the label or distributor.")
    code = models.CharField(max_length=100)
    currency = models.CharField(max_length=3)
    wholesale_minor = models.BigIntegerField()
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ("sender_party_id", "code", "currency")
        constraints = (
            models.UniqueConstraint(fields=("sender_party_id", "code", "currency"), name="price_tier_unique"),
            models.CheckConstraint(condition=Q(wholesale_minor__gte=0), name="price_tier_not_negative"),
        )

    def __str__(self) -> str:
        return f"{self.sender_party_id} {self.code} {self.currency} {self.wholesale_minor}"


class Payee(models.Model):
    """Someone a sale owes money to; `code` names the ledger account `payable:<code>:<currency>`."""

    class Kind(models.TextChoices):
        LABEL = "label", "Label"
        ARTIST = "artist", "Artist"
        PUBLISHER = "publisher", "Publisher"
        SOCIETY = "society", "Collecting society"
        OTHER = "other", "Other rights holder"

    code = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    label = models.ForeignKey(Label, null=True, blank=True, on_delete=models.PROTECT, related_name="payees",
                              help_text="The label whose users see this payee's statements.")
    email = models.EmailField(blank=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def account(self, currency: str) -> str:
        return f"payable:{self.code}:{currency}"


class RoyaltySplit(models.Model):
    """A payee's share of the label's share of a release (track None) or of one track, in basis points.

    A release or track with no rows pays the whole label share to its label's payee; rows for one item
    must sum to 10,000 (checked by `splits_for`, since a constraint cannot span rows)."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="royalty_splits")
    track = models.ForeignKey(Track, null=True, blank=True, on_delete=models.CASCADE, related_name="royalty_splits")
    payee = models.ForeignKey(Payee, on_delete=models.PROTECT, related_name="splits")
    basis_points = models.PositiveIntegerField()

    WHOLE: ClassVar[int] = WHOLE_BP

    class Meta:
        ordering = ("release", "track", "-basis_points")
        constraints = (
            models.CheckConstraint(condition=Q(basis_points__gt=0) & Q(basis_points__lte=WHOLE_BP),
                                   name="royalty_split_bp_range"),
            models.UniqueConstraint(fields=("release", "track", "payee"), name="royalty_split_once",
                                    nulls_distinct=False),
        )

    def __str__(self) -> str:
        return f"{self.payee} {self.basis_points / 100:.2f}% of {self.track or self.release}"


class LabelAgreement(models.Model):
    """The contract with a label: what the label earns per sale when a deal gives no wholesale price."""

    label = models.OneToOneField(Label, on_delete=models.CASCADE, related_name="agreement")
    payee = models.ForeignKey(Payee, on_delete=models.PROTECT, related_name="agreements")
    share_rate = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0.7000"),
                                     help_text="The label's share of the ex-VAT price (0.70 = 70%).")
    use_wholesale_price = models.BooleanField(default=True,
                                              help_text="Pay the deal's wholesale price when it has one.")

    class Meta:
        constraints = (
            models.CheckConstraint(condition=Q(share_rate__gte=0) & Q(share_rate__lt=Decimal("0.9")),
                                   name="label_share_rate_range"),
        )

    def __str__(self) -> str:
        return f"agreement with {self.label}"


class LabelMember(models.Model):
    """A user who works for a label: sees its dashboard and statements, uploads its DDEX messages."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="label_memberships")
    label = models.ForeignKey(Label, on_delete=models.CASCADE, related_name="members")
    sender_party_id = models.CharField(max_length=100, blank=True,
                                       help_text="The DPID this label's messages come from, if it sends DDEX.")

    class Meta:
        constraints = (models.UniqueConstraint(fields=("user", "label"), name="label_member_once"),)

    def __str__(self) -> str:
        return f"{self.user} at {self.label}"


# The reads every purchase makes, written by hand: the ORM spent more client CPU building each of these
# small queries than the database spent answering it (benchmarks/purchases.py).

_SPLITS_SQL = """
SELECT s.track_id, s.basis_points, p.code, p.name, p.kind
FROM rights_royaltysplit s JOIN rights_payee p ON p.id = s.payee_id
WHERE (s.release_id = %s AND s.track_id IS NULL) OR s.track_id = %s
ORDER BY s.basis_points DESC, s.id
"""


def split_rows(release_id: int, track_id: int | None) -> list[tuple[int | None, int, str, str, str]]:
    """(track id or None, basis points, payee code, name, kind) of the release's own splits and, for a
    track, the track's: largest share first."""
    with connection.cursor() as cursor:
        cursor.execute(_SPLITS_SQL, [release_id, track_id])
        rows: list[tuple[int | None, int, str, str, str]] = cursor.fetchall()
    return rows


def agreement_of_label(label_id: int) -> LabelAgreement | None:
    """The label's agreement with its payee loaded, or None."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns_of(LabelAgreement, 'a')}, {columns_of(Payee, 'p')} "  # noqa: S608
                       "FROM rights_labelagreement a JOIN rights_payee p ON p.id = a.payee_id WHERE a.label_id = %s",
                       [label_id])
        row = cursor.fetchone()
    if row is None:
        return None
    agreement, payee = instances_from_row((LabelAgreement, Payee), row)
    agreement.payee = payee
    return cast(LabelAgreement, agreement)


@overload
def deals_of(release_id: int, track_id: int | None = None) -> list[Deal]: ...


@overload
def deals_of(release_id: int, track_id: int | None = None, *,
             tiers_of: tuple[str, str]) -> list[tuple[Deal, int | None]]: ...


def deals_of(release_id: int, track_id: int | None = None, *,
             tiers_of: tuple[str, str] | None = None) -> list[Deal] | list[tuple[Deal, int | None]]:
    """The release's deals, or (for `track_id`) the release-wide ones and the track's own, by id. With
    `tiers_of` (sender, currency), each deal comes with the wholesale price its price code has in that
    currency (None: no code, or no tier for it), read in the same query."""
    covering = "d.release_id = %s" + (" AND (d.track_id IS NULL OR d.track_id = %s)" if track_id is not None else "")
    params: list[Any] = [release_id] + ([track_id] if track_id is not None else [])
    tier = "NULL"
    if tiers_of is not None:
        tier = ("(SELECT t.wholesale_minor FROM rights_pricetier t "
                "WHERE t.sender_party_id = %s AND t.code = d.price_code AND t.currency = %s)")
        params = [*tiers_of, *params]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns_of(Deal, 'd')}, {tier} FROM rights_deal d "  # noqa: S608  (placeholders)
                       f"WHERE {covering} ORDER BY d.id", params)
        rows = cursor.fetchall()
    deals = [(instance_from_row(Deal, row[:-1]), row[-1]) for row in rows]
    if tiers_of is None:
        return [deal for deal, _ in deals]
    return [(deal, None if minor is None else int(minor)) for deal, minor in deals]


def tier_wholesale_minor(sender_party_id: str, code: str, currency: str) -> int | None:
    """The operator's wholesale price for a sender's price code in `currency`, or None if there is none."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT wholesale_minor FROM rights_pricetier WHERE sender_party_id = %s AND code = %s "
                       "AND currency = %s", [sender_party_id, code, currency])
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def existing_payee_codes(codes: Sequence[str]) -> set[str]:
    """Those of `codes` that name a payee row."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT code FROM rights_payee WHERE code IN ({', '.join(['%s'] * len(codes))})",  # noqa: S608
                       list(codes))
        return {code for (code,) in cursor.fetchall()}
