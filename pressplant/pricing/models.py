"""Price rules as rows an operator edits: one per scope (store, label, release or track) and currency.

The most specific rule wins: track > release > label > the store default. Amounts are integer minor
units; the per-MB rate is the one Decimal. A row turns into a pure `quote.PriceRule` through `as_rule()`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from pressplant.audio.formats import FORMATS
from pressplant.catalogue.models import Label, Release, Track
from pressplant.money import CURRENCY_EXPONENTS, Money, MoneyError
from pressplant.operations.rows import columns_of, read_all
from pressplant.pricing import quote


class NoPriceRule(LookupError):
    """No rule prices this item in this currency: not even a store default exists for it."""


def _scope_is(scope: str) -> Q:
    """The row is attached to `scope` ("label", "release", "track") alone, or to none ("store")."""
    return Q(**{f"{name}__isnull": name != scope for name in ("label", "release", "track")})


@dataclass(frozen=True, slots=True)
class ReleaseRules:
    """The rule pricing a release, and the rule pricing each of its tracks, by track id."""

    release: quote.PriceRule
    tracks: dict[int, quote.PriceRule]


_CANDIDATES_SQL = """
SELECT {columns} FROM pricing_pricerule
WHERE currency = %s AND ((label_id IS NULL AND release_id IS NULL AND track_id IS NULL)
                         OR release_id = %s OR label_id = %s OR track_id = %s)
"""
"""rule_for's candidates, written by hand: every purchase asks, and the ORM built this query for more
client CPU than the database spends answering it. A NULL label or track matches no row, as it should."""


@cache
def candidates_sql() -> str:
    """_CANDIDATES_SQL with the model's columns named (not *: a statement PostgreSQL keeps prepared fails
    once a migration adds a column under its *)."""
    return _CANDIDATES_SQL.format(columns=columns_of(PriceRule))


class PriceRuleQuerySet(models.QuerySet["PriceRule"]):
    def rule_for(self, item: Track | Release, currency: str) -> quote.PriceRule:
        """The rule that prices `item` in `currency`: the most specific one that exists."""
        track = item if isinstance(item, Track) else None
        rows = self.candidates(item.release if isinstance(item, Track) else item, track, currency)
        if not rows:
            raise NoPriceRule(f"no price rule in {currency} for {item} (and no store default)")
        return min(rows, key=PriceRule.precedence).as_rule()

    def candidates(self, release: Release, track: Track | None, currency: str) -> list[PriceRule]:
        """Every rule in `currency` that could price `track` (or `release`, without one): the track's,
        the release's, the label's and the store default."""
        params = [currency, release.pk, release.label_id, track.pk if track else None]
        return read_all(PriceRule, candidates_sql(), params)

    def rules_for_release(self, release: Release, tracks: Iterable[Track], currency: str) -> ReleaseRules:
        """What rule_for() says of `release` and of each of its `tracks`, read in one query: a track's own
        rule, else the release's (release > label > store default)."""
        track_ids = [track.pk for track in tracks]
        candidates = _scope_is("store") | Q(release=release) | Q(track__in=track_ids)
        if release.label_id is not None:
            candidates |= Q(label_id=release.label_id)
        rows = list(self.filter(candidates, currency=currency))
        shared = [row for row in rows if row.track_id is None]
        if not shared:
            raise NoPriceRule(f"no price rule in {currency} for {release} (and no store default)")
        release_rule = min(shared, key=PriceRule.precedence).as_rule()
        own = {row.track_id: row.as_rule() for row in rows if row.track_id is not None}
        return ReleaseRules(release_rule, {pk: own.get(pk, release_rule) for pk in track_ids})


class PriceRule(models.Model):
    """How downloads are priced for one scope in one currency; see `quote.PriceRule` for the meaning."""

    class Model(models.TextChoices):
        PER_TRACK = quote.PriceModel.PER_TRACK.value, "Per track"
        PER_ALBUM = quote.PriceModel.PER_ALBUM.value, "Per album"
        PER_MEGABYTE = quote.PriceModel.PER_MEGABYTE.value, "Per megabyte"

    label = models.ForeignKey(Label, null=True, blank=True, on_delete=models.CASCADE, related_name="price_rules")
    release = models.ForeignKey(Release, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="price_rules")
    track = models.ForeignKey(Track, null=True, blank=True, on_delete=models.CASCADE, related_name="price_rules")
    currency = models.CharField(max_length=3, choices=[(code, code) for code in CURRENCY_EXPONENTS])
    pricing_model = models.CharField(max_length=20, choices=Model.choices, default=Model.PER_MEGABYTE)
    track_price_minor = models.BigIntegerField(null=True, blank=True)
    album_price_minor = models.BigIntegerField(null=True, blank=True,
                                               help_text="Price of a release; caps the sum of its tracks.")
    rate_per_mb = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True,
                                      help_text="Major units per megabyte (10^6 bytes).")
    minimum_minor = models.BigIntegerField(default=0, help_text="Least price of any item.")
    track_cap_minor = models.BigIntegerField(null=True, blank=True, help_text="Most a track can cost.")
    format_rate_multipliers = models.JSONField(
        default=dict, blank=True,
        help_text='Per-MB rate multiplier by format name, as text: {"flac": "0.5"}. Unnamed formats: 1.')
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PriceRuleQuerySet.as_manager()

    class Meta:
        constraints = (
            models.CheckConstraint(
                condition=_scope_is("store") | _scope_is("label") | _scope_is("release") | _scope_is("track"),
                name="price_rule_one_scope"),
            models.UniqueConstraint(fields=["currency"], condition=_scope_is("store"),
                                    name="price_rule_store_default_unique"),
            models.UniqueConstraint(fields=["label", "currency"], condition=_scope_is("label"),
                                    name="price_rule_label_unique"),
            models.UniqueConstraint(fields=["release", "currency"], condition=_scope_is("release"),
                                    name="price_rule_release_unique"),
            models.UniqueConstraint(fields=["track", "currency"], condition=_scope_is("track"),
                                    name="price_rule_track_unique"),
            models.CheckConstraint(
                condition=(Q(pricing_model="per_track", track_price_minor__isnull=False)
                           | Q(pricing_model="per_album", album_price_minor__isnull=False)
                           | Q(pricing_model="per_megabyte", rate_per_mb__isnull=False)),
                name="price_rule_model_has_its_amount"),
            models.CheckConstraint(
                condition=(Q(minimum_minor__gte=0) & (Q(track_price_minor__isnull=True) | Q(track_price_minor__gte=0))
                           & (Q(rate_per_mb__isnull=True) | Q(rate_per_mb__gte=0))),
                name="price_rule_amounts_not_negative"),
            models.CheckConstraint(
                condition=Q(track_cap_minor__isnull=True) | Q(track_cap_minor__gte=F("minimum_minor")),
                name="price_rule_cap_not_below_minimum"),
            models.CheckConstraint(
                condition=Q(album_price_minor__isnull=True) | Q(album_price_minor__gte=F("minimum_minor")),
                name="price_rule_album_not_below_minimum"),
        )

    def __str__(self) -> str:
        return f"{self.scope_text} {self.currency}: {self.get_pricing_model_display()}"

    @property
    def scope_text(self) -> str:
        if self.track_id:
            return f"track {self.track}"
        if self.release_id:
            return f"release {self.release}"
        return f"label {self.label}" if self.label_id else "store default"

    def precedence(self) -> int:
        """0 for the most specific scope (a track), 3 for the store default."""
        return 0 if self.track_id else 1 if self.release_id else 2 if self.label_id else 3

    def as_rule(self) -> quote.PriceRule:
        def money(minor: int | None) -> Money | None:
            return None if minor is None else Money(minor, self.currency)

        return quote.PriceRule(
            model=quote.PriceModel(self.pricing_model), currency=self.currency,
            minimum=Money(self.minimum_minor, self.currency), track_price=money(self.track_price_minor),
            album_price=money(self.album_price_minor), rate_per_mb=self.rate_per_mb,
            track_cap=money(self.track_cap_minor), format_rate_multipliers=self._multipliers())

    def _multipliers(self) -> dict[str, Decimal]:
        multipliers = self.format_rate_multipliers or {}
        if not isinstance(multipliers, dict):
            raise quote.PricingError('format rate multipliers must be an object such as {"flac": "0.5"}')
        unknown = sorted(set(multipliers) - set(FORMATS))
        if unknown:
            raise quote.PricingError(f"unknown formats {', '.join(unknown)}; known: {', '.join(FORMATS)}")
        try:
            return {str(name): Decimal(str(value)) for name, value in multipliers.items()}
        except InvalidOperation:
            raise quote.PricingError(f"format rate multipliers must be numbers, got {multipliers}") from None

    def clean(self) -> None:
        """The admin's check: a row must make a consistent pure rule (the database checks the rest)."""
        if sum(1 for scope in (self.label_id, self.release_id, self.track_id) if scope) > 1:
            raise ValidationError("attach a rule to one label, release or track at most")
        try:
            self.as_rule()
        except (quote.PricingError, MoneyError) as error:
            raise ValidationError(str(error)) from error


def rule_for(item: Track | Release, currency: str) -> quote.PriceRule:
    """The rule that prices `item` in `currency` (track > release > label > store default)."""
    return PriceRule.objects.rule_for(item, currency)


def rules_for_release(release: Release, tracks: Iterable[Track], currency: str) -> ReleaseRules:
    """The rules of a release and of its tracks at once (a release page quotes them all)."""
    return PriceRule.objects.rules_for_release(release, tracks, currency)
