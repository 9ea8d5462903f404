"""Admin: vouchers are read-only and never show a code (codes exist in clear only when
create_vouchers() returns them); bonus rules are edited here."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from pressplant.payments.models import BonusRule, Voucher


@admin.register(Voucher)
class VoucherAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    list_display = ("code_prefix", "amount_minor", "currency", "batch", "created_at", "redeemed_by", "redeemed_at")
    list_filter = ("currency", "batch", "redeemed_at")
    search_fields = ("code_prefix", "batch", "=redeemed_by")
    fields = readonly_fields = (
        "code_prefix",
        "amount_minor",
        "currency",
        "batch",
        "created_at",
        "redeemed_by",
        "redeemed_at",
        "ledger_entry_id",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made in batches by create_vouchers(), which shows the codes once

    def has_delete_permission(self, request: HttpRequest, obj: Voucher | None = None) -> bool:
        return obj is None or not obj.is_redeemed  # voiding an unused voucher is fine; history is not


@admin.register(BonusRule)
class BonusRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    list_display = ("__str__", "currency", "min_amount_minor", "percent_bp", "is_active", "starts_at", "ends_at")
    list_filter = ("currency", "is_active")
