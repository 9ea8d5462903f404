"""Admin for price rules: the store defaults and every label, release or track override, per currency."""

from __future__ import annotations

from django.contrib import admin

from pressplant.pricing.models import PriceRule


@admin.register(PriceRule)
class PriceRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    list_display = ("scope_text", "currency", "pricing_model", "rate_per_mb", "track_price_minor",
                    "album_price_minor", "minimum_minor", "track_cap_minor", "updated_at")
    list_filter = ("currency", "pricing_model")
    search_fields = ("label__name", "release__title", "track__title", "track__isrc")
    raw_id_fields = ("label", "release", "track")
    fieldsets = (
        ("Applies to (none: the store default)", {"fields": ("label", "release", "track", "currency")}),
        ("Price, in minor units (pence, cents)", {"fields": (
            "pricing_model", "rate_per_mb", "track_price_minor", "album_price_minor", "minimum_minor",
            "track_cap_minor", "format_rate_multipliers")}),
    )
