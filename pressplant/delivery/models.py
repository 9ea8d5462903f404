"""Renditions: a master encoded in one format with one version of its tags, kept in storage as a cache."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from pressplant.catalogue.models import Master
from pressplant.operations.rows import columns_of, read_one


class RenditionQuerySet(models.QuerySet["Rendition"]):
    def ready(self) -> RenditionQuerySet:
        return self.filter(status=Rendition.Status.READY)

    def least_recently_used(self) -> RenditionQuerySet:
        return self.ready().order_by("last_used_at", "id")


class Rendition(models.Model):
    """One cache entry, keyed by (master content hash, format, tag version).

    A row in BUILDING is a lease: the process that inserted it encodes, everyone else waits for READY.
    A lease past `lease_expires_at` belongs to a process that died, and the next caller takes it over.
    """

    class Status(models.TextChoices):
        BUILDING = "building"
        READY = "ready"

    master = models.ForeignKey(Master, on_delete=models.CASCADE, related_name="renditions")
    format_name = models.CharField(max_length=20)
    tag_version = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BUILDING)
    storage_key = models.CharField(max_length=500, blank=True)
    size_bytes = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    encoder_settings = models.CharField(max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    """Who holds the BUILDING lease: only that holder may renew it, complete the row or abandon it."""
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(auto_now_add=True)

    objects = RenditionQuerySet.as_manager()

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("master", "format_name", "tag_version"),
                                    name="rendition_key_unique"),
            models.CheckConstraint(
                condition=Q(status="building") | Q(size_bytes__gt=0) & ~Q(storage_key="") & ~Q(sha256=""),
                name="rendition_ready_is_complete",
            ),
        )
        indexes = (models.Index(fields=["status", "last_used_at"]),)

    def __str__(self) -> str:
        return f"{self.master.sha256[:12]} {self.format_name} {self.tag_version[:8]} ({self.status})"


def ready_rendition(master_id: int, format_name: str, tag_version: str) -> Rendition | None:
    """The READY rendition of a master in a format with that version of the tags, if one is cached.
    Written by hand: every download of a cached file asks, and the ORM's query building cost several
    times the database's answer."""
    sql = (f"SELECT {columns_of(Rendition)} FROM delivery_rendition WHERE status = %s "  # noqa: S608
           "AND master_id = %s AND format_name = %s AND tag_version = %s")  # unique: one at most
    return read_one(Rendition, sql, [Rendition.Status.READY.value, master_id, format_name, tag_version])
