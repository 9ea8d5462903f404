"""Admin for the rendition cache: what is encoded, how big, how recently used. Rows are the cache's."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from pressplant.delivery.models import Rendition


@admin.register(Rendition)
class RenditionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    list_display = ("master", "format_name", "status", "size_bytes", "last_used_at", "lease_expires_at")
    list_filter = ("status", "format_name")
    search_fields = ("master__sha256", "master__original_name", "sha256")
    list_select_related = ("master",)
    readonly_fields = tuple(field.name for field in Rendition._meta.fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Rendition | None = None) -> bool:
        return False
