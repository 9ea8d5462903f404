"""Admin for the rights app: DDEX messages and licences as received (read-only), and the operator's own
tables (price tiers, payees, royalty splits, label agreements and members) editable."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

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


@admin.register(Licence)
class LicenceAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    list_display = ("release", "source", "sender_party_id", "message", "purged_at", "updated_at")
    list_filter = ("source", "purged_at")
    search_fields = ("release__title", "release__artist_display", "release__upc", "sender_party_id")
    readonly_fields = ("release", "source", "sender_party_id", "message", "off_sale_reason", "purged_at",
                       "updated_at", "deals")

    @admin.display(description="Deals (the latest message's, as sent)")
    def deals(self, obj: Licence) -> str:
        rows = Deal.objects.filter(release=obj.release).select_related("track")
        head = format_html_join("", "<th>{}</th>", ((column.replace("_", " "),) for column in DEAL_COLUMNS))
        body = format_html_join("", "<tr>{}</tr>", ((_cells(deal),) for deal in rows))
        return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


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
