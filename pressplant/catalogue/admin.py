"""Admin for the catalogue: releases with their tracks, the quarantine in view, masters read-only."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from pressplant.catalogue.models import Artist, Label, Master, Release, Track


@admin.register(Artist)
class ArtistAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    search_fields = ("name",)
    list_display = ("name", "created_at")


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    search_fields = ("name",)
    list_display = ("name", "created_at")


class TrackInline(admin.TabularInline):  # type: ignore[type-arg]  # not subscriptable at runtime
    model = Track
    extra = 0
    fields = ("disc_number", "position", "title", "artist_display", "isrc", "duration_ms", "master")
    readonly_fields = ("duration_ms", "master")
    show_change_link = True


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    list_display = ("title", "artist_display", "release_type", "upc", "year", "label", "status")
    list_filter = ("status", "release_type", "label")
    search_fields = ("title", "artist_display", "upc", "tracks__isrc")
    autocomplete_fields = ("artists", "label")
    readonly_fields = ("cover_key", "cover_sha256", "album_integrated_lufs", "album_true_peak_dbtp",
                       "created_at")
    inlines = (TrackInline,)


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    list_display = ("title", "artist_display", "release", "disc_number", "position", "isrc", "duration_ms")
    list_filter = ("release__status",)
    search_fields = ("title", "artist_display", "isrc", "release__title")
    autocomplete_fields = ("artists",)
    raw_id_fields = ("release", "master")
    readonly_fields = ("duration_ms",)


@admin.register(Master)
class MasterAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at runtime
    """Masters are facts about files: content-addressed and measured at ingest, never edited."""

    list_display = ("original_name", "codec", "sample_rate_hz", "bit_depth", "channels", "duration_ms",
                    "size_bytes", "sha256")
    list_filter = ("codec", "sample_rate_hz", "bit_depth")
    search_fields = ("original_name", "sha256")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Master | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Master | None = None) -> bool:
        return False
