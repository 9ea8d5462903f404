"""Admin for the ledger: read-only. Money moves through actions.post_entry(), never through a form."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from pressplant.ledger.models import Account, Entry, Posting


class _ReadOnly:
    """No add, change or delete: the ledger is append-only and written by its actions alone."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    list_display = ("code", "kind", "currency", "balance_minor", "may_go_negative", "created_at")
    list_filter = ("kind", "currency")
    search_fields = ("code",)


class PostingInline(_ReadOnly, admin.TabularInline):  # type: ignore[type-arg]  # not subscriptable at runtime
    model = Posting
    fk_name = "entry"
    extra = 0
    fields = ("debit", "credit", "amount_minor", "currency")
    readonly_fields = fields


@admin.register(Entry)
class EntryAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    list_display = ("id", "kind", "key", "memo", "reverses", "created_at")
    list_filter = ("kind",)
    search_fields = ("key", "memo", "postings__debit__code", "postings__credit__code")
    readonly_fields = ("key", "kind", "fingerprint", "memo", "reverses", "created_at")
    inlines = (PostingInline,)
