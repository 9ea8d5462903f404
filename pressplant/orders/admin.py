from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from pressplant.orders.actions import OrderError, refund_order
from pressplant.orders.models import Entitlement, Order, OrderLine, SalePart


class OrderLineInline(admin.TabularInline):  # type: ignore[type-arg]
    model = OrderLine
    extra = 0
    can_delete = False
    readonly_fields = ("track", "release", "format_name", "size_bytes", "size_is_exact", "list_price_minor",
                       "price_minor", "vat_minor", "vat_rate", "currency", "basis", "ledger_entry_id")


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("id", "customer", "status", "total_minor", "currency", "territory", "created_at")
    list_filter = ("status", "currency", "territory")
    readonly_fields = ("customer", "idempotency_key", "fingerprint", "status", "total_minor", "currency",
                       "territory", "declared_country", "detected_country", "refunded_at", "refund_key",
                       "ledger_entry_id", "created_at")
    inlines = (OrderLineInline,)
    actions = ("refund",)

    def has_add_permission(self, request: object) -> bool:
        return False

    @admin.action(description="Refund the selected orders (reverses each sale entry whole, revokes downloads)")
    def refund(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        for order in queryset:
            try:
                refund_order(order, f"admin-refund:{order.pk}", f"by {request.user}")
            except OrderError as exc:
                self.message_user(request, f"order {order.pk}: {exc}", messages.ERROR)
            else:
                self.message_user(request, f"order {order.pk} refunded ({order.total.format()})")


@admin.register(SalePart)
class SalePartAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("line", "role", "payee_name", "account", "amount_minor", "currency")
    list_filter = ("role", "currency")
    search_fields = ("payee_code", "payee_name", "account")
    readonly_fields = ("line", "role", "account", "payee_code", "payee_name", "amount_minor", "currency", "basis")

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(Entitlement)
class EntitlementAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("customer", "track", "release", "format_name", "available_at", "revoked_at", "created_at")
    list_filter = ("revoked_at", "format_name")
    search_fields = ("release__title", "track__title", "customer__user__email")
    readonly_fields = ("customer", "track", "release", "format_name", "order_line", "available_at", "revoked_at",
                       "revoked_reason", "created_at")
    actions = ("revoke",)

    @admin.action(description="Revoke the selected downloads (e.g. a purged release the label wants gone)")
    def revoke(self, request: HttpRequest, queryset: QuerySet[Entitlement]) -> None:
        count = queryset.filter(revoked_at=None).update(revoked_at=timezone.now(),
                                                        revoked_reason=f"revoked by {request.user}"[:300])
        self.message_user(request, f"{count} downloads revoked")
