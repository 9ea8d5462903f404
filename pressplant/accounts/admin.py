"""Admin: customers searchable by email; login attempts read-only."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from pressplant.accounts.models import Customer, LoginAttempt


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    list_display = ("email", "country", "currency", "created_at")
    list_filter = ("country", "currency")
    search_fields = ("user__email",)
    readonly_fields = ("user", "currency", "created_at")
    list_select_related = ("user",)


@admin.register(LoginAttempt)
class LoginAttemptAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    """A record of what happened: nobody edits it by hand."""

    list_display = ("attempted_at", "email", "client_key", "succeeded")
    list_filter = ("succeeded",)
    search_fields = ("email", "client_key")
    date_hierarchy = "attempted_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: LoginAttempt | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: LoginAttempt | None = None) -> bool:
        return False
