from django.contrib import admin

from pressplant.orders.models import Entitlement, Order, OrderLine


class OrderLineInline(admin.TabularInline):  # type: ignore[type-arg]
    model = OrderLine
    extra = 0
    can_delete = False
    readonly_fields = ("track", "release", "format_name", "size_bytes", "size_is_exact", "list_price_minor",
                       "price_minor", "currency", "basis")


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("id", "customer", "status", "total_minor", "currency", "created_at")
    list_filter = ("status", "currency")
    readonly_fields = ("customer", "idempotency_key", "fingerprint", "status", "total_minor", "currency",
                       "ledger_entry_id", "created_at")
    inlines = (OrderLineInline,)

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(Entitlement)
class EntitlementAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("customer", "track", "release", "format_name", "created_at")
    readonly_fields = ("customer", "track", "release", "format_name", "order_line", "created_at")
