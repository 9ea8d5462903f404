"""Admin for the rights app: DDEX messages and licences as received (read-only), and the operator's own
tables (price tiers, payees, royalty splits, label agreements and members) editable."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from pressplant.rights.licences import unpriced_codes
from pressplant.rights.models import (
    DdexMessage,
    Deal,
    LabelAgreement,
    LabelMember,
    Licence,
    Payee,
    PriceTier,
    RoyaltySplit,
)


class _ReadOnly:
    """What a label told us is kept as told: no add, change or delete through the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DdexMessage)
class DdexMessageAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    list_display = ("received_at", "outcome", "kind", "version", "sender_party_id", "sender_name", "message_id",
                    "source_name", "via", "is_test")
    list_filter = ("outcome", "kind", "version", "via", "is_test")
    search_fields = ("message_id", "sender_party_id", "sender_name", "source_name", "sha256", "detail")
    date_hierarchy = "received_at"
    exclude = ("xml",)
    readonly_fields = ("sha256", "source_name", "via", "version", "kind", "message_id", "sender_party_id",
                       "sender_name", "is_test", "outcome", "detail", "received_at", "uploaded_by", "xml_text")

    @admin.display(description="XML")
    def xml_text(self, obj: DdexMessage) -> str:
        """The message as received (its first 200,000 characters, decoded as UTF-8)."""
        return bytes(obj.xml)[:200_000].decode("utf-8", errors="replace")


DEAL_COLUMNS = ("track", "commercial_model_types", "use_types", "territory_codes", "excluded_territory_codes",
                "start_date", "start_at", "end_date", "end_at", "price_code", "wholesale_amount", "wholesale_currency",
                "is_takedown", "all_deals_cancelled", "effective_date")
"""The columns of a licence's deals table: a Deal belongs to the release, so it cannot be a Django inline
of the licence; the table shows them read-only in its place."""


def _is_direct(obj: Licence | Deal | None) -> bool:
    """The operator writes the licences of its own catalogue; a label's DDEX licence is kept as sent."""
    if obj is None:
        return True
    licence = obj if isinstance(obj, Licence) else Licence.objects.filter(release_id=obj.release_id).first()
    return licence is not None and licence.source == Licence.Source.DIRECT


@admin.register(Licence)
class LicenceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    list_display = ("release", "source", "sender_party_id", "message", "missing_price_tiers", "purged_at",
                    "updated_at")
    list_filter = ("source", "purged_at")
    search_fields = ("release__title", "release__artist_display", "release__upc", "sender_party_id")
    raw_id_fields = ("release",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ("source", "sender_party_id", "message", "updated_at")
        return ("release", "source", "sender_party_id", "message", "updated_at", "deals",
                "missing_price_tiers", *(() if _is_direct(obj) else ("purged_at",)))

    def save_model(self, request: HttpRequest, obj: Licence, form: Any, change: bool) -> None:
        if not change:
            obj.source = Licence.Source.DIRECT  # a licence made here is the operator's own
        super().save_model(request, obj, form, change)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_direct(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Price codes without a price tier (off sale until added)")
    def missing_price_tiers(self, obj: Licence) -> str:
        return ", ".join(unpriced_codes(obj))

    @admin.display(description="Deals (the latest message's, as sent)")
    def deals(self, obj: Licence) -> str:
        rows = Deal.objects.filter(release=obj.release).select_related("track")
        head = format_html_join("", "<th>{}</th>", ((column.replace("_", " "),) for column in DEAL_COLUMNS))
        body = format_html_join("", "<tr>{}</tr>", ((_cells(deal),) for deal in rows))
        return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


class DealForm(forms.ModelForm):  # type: ignore[type-arg]  # not subscriptable at runtime
    class Meta:
        model = Deal
        exclude = ("message",)

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        release = data.get("release")
        licence = Licence.objects.filter(release=release).first() if release is not None else None
        if licence is None or licence.source != Licence.Source.DIRECT:
            raise forms.ValidationError("Deals are written here only for a release under the operator's own "
                                        "licence (add the licence first); a label's deals come in its DDEX messages.")
        return data


@admin.register(Deal)
class DealAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    """Deals of the operator's own licences are written here; a DDEX deal is shown as sent."""

    form = DealForm

    list_display = ("release", "track", "territory_codes", "excluded_territory_codes", "start_date", "end_date",
                    "price_code", "is_takedown")
    search_fields = ("release__title", "release__upc")
    raw_id_fields = ("release", "track")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return True

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_direct(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_direct(obj) and super().has_delete_permission(request, obj)


def _cells(deal: Deal) -> str:
    values = (getattr(deal, column) for column in DEAL_COLUMNS)
    return format_html_join("", "<td>{}</td>", ((_shown(value),) for value in values))


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return "" if value is None or value == "" else str(value)


@admin.register(PriceTier)
class PriceTierAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    list_display = ("sender_party_id", "code", "currency", "wholesale_minor", "description")
    list_filter = ("sender_party_id", "currency")
    search_fields = ("sender_party_id", "code", "description")


@admin.register(Payee)
class PayeeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    list_display = ("name", "code", "kind", "label", "email")
    list_filter = ("kind",)
    search_fields = ("name", "code", "email")
    autocomplete_fields = ("label",)


@admin.register(RoyaltySplit)
class RoyaltySplitAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    list_display = ("release", "track", "payee", "basis_points")
    search_fields = ("release__title", "track__title", "payee__name")
    raw_id_fields = ("release", "track")
    autocomplete_fields = ("payee",)


@admin.register(LabelAgreement)
class LabelAgreementAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    list_display = ("label", "payee", "share_rate", "use_wholesale_price")
    search_fields = ("label__name", "payee__name")
    autocomplete_fields = ("label", "payee")


@admin.register(LabelMember)
class LabelMemberAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    list_display = ("user", "label", "sender_party_id")
    search_fields = ("user__email", "user__username", "label__name", "sender_party_id")
    autocomplete_fields = ("label",)
    raw_id_fields = ("user",)
