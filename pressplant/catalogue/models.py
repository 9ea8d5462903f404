"""The catalogue: who made what, what it is called, and the lossless master behind every track."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from pressplant.audio.metadata import Loudness


class Artist(models.Model):
    name = models.CharField(max_length=300, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Label(models.Model):
    name = models.CharField(max_length=300, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Master(models.Model):
    """A lossless master file, stored once per content (SHA-256), with what probing and metering found."""

    sha256 = models.CharField(max_length=64, unique=True)
    storage_key = models.CharField(max_length=500)
    original_name = models.CharField(max_length=500)
    size_bytes = models.BigIntegerField()
    codec = models.CharField(max_length=40)
    container = models.CharField(max_length=40)
    sample_rate_hz = models.PositiveIntegerField()
    bit_depth = models.PositiveSmallIntegerField()
    channels = models.PositiveSmallIntegerField()
    duration_samples = models.BigIntegerField()
    integrated_lufs = models.FloatField()
    true_peak_dbtp = models.FloatField()
    probe = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(sample_rate_hz__gt=0), name="master_rate_positive"),
            models.CheckConstraint(condition=Q(duration_samples__gt=0), name="master_duration_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.sha256[:12]})"

    @property
    def duration_ms(self) -> int:
        return self.duration_samples * 1000 // self.sample_rate_hz

    @property
    def loudness(self) -> Loudness:
        return Loudness(integrated_lufs=self.integrated_lufs, true_peak_dbtp=self.true_peak_dbtp)


class ReleaseQuerySet(models.QuerySet["Release"]):
    def on_sale(self) -> ReleaseQuerySet:
        return self.filter(status=Release.Status.LIVE)

    def quarantined(self) -> ReleaseQuerySet:
        return self.filter(status=Release.Status.QUARANTINED)


class Release(models.Model):
    class Type(models.TextChoices):
        ALBUM = "Album"
        SINGLE = "Single"
        EP = "EP"
        COMPILATION = "Compilation"

    class Status(models.TextChoices):
        LIVE = "live", "Live"
        QUARANTINED = "quarantined", "Quarantined"

    title = models.CharField(max_length=500)
    release_type = models.CharField(max_length=20, choices=Type.choices, default=Type.ALBUM)
    upc = models.CharField("UPC/EAN", max_length=14, blank=True)
    release_date = models.DateField(null=True, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    genre = models.CharField(max_length=100, blank=True)
    p_line = models.CharField("P-line", max_length=300, blank=True)
    c_line = models.CharField("C-line", max_length=300, blank=True)
    label = models.ForeignKey(Label, null=True, blank=True, on_delete=models.PROTECT, related_name="releases")
    artists = models.ManyToManyField(Artist, related_name="releases")
    artist_display = models.CharField(max_length=500)
    cover_key = models.CharField(max_length=500, blank=True)
    cover_sha256 = models.CharField(max_length=64, blank=True)
    album_integrated_lufs = models.FloatField(null=True, blank=True)
    album_true_peak_dbtp = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.LIVE)
    quarantine_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReleaseQuerySet.as_manager()

    class Meta:
        ordering = ["-release_date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="live", quarantine_reason="") | Q(status="quarantined") & ~Q(quarantine_reason=""),
                name="release_quarantine_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.artist_display} - {self.title}"

    @property
    def album_loudness(self) -> Loudness | None:
        if self.album_integrated_lufs is None or self.album_true_peak_dbtp is None:
            return None
        return Loudness(integrated_lufs=self.album_integrated_lufs, true_peak_dbtp=self.album_true_peak_dbtp)


class Track(models.Model):
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="tracks")
    disc_number = models.PositiveSmallIntegerField(default=1)
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=500)
    isrc = models.CharField("ISRC", max_length=12, blank=True)
    artists = models.ManyToManyField(Artist, related_name="tracks")
    artist_display = models.CharField(max_length=500)
    genre = models.CharField(max_length=100, blank=True)
    master = models.ForeignKey(Master, on_delete=models.PROTECT, related_name="tracks")
    duration_ms = models.PositiveIntegerField()

    class Meta:
        ordering = ["release", "disc_number", "position"]
        constraints = [
            models.UniqueConstraint(fields=["release", "disc_number", "position"], name="track_slot_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.disc_number}-{self.position:02d} {self.title}"
