"""The catalogue: who made what, what it is called, and the lossless master behind every track."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.files.storage import default_storage
from django.db import models
from django.db.models import Q

from pressplant.audio.formats import SizeEstimate, SourceAudio, estimate_size_bytes, get_format
from pressplant.audio.metadata import Loudness, TrackTags

_COPY_CHUNK_BYTES = 1 << 20
TAGS_ALLOWANCE_BYTES = 2_048
"""Room the text tags take in a file, besides the cover, for size estimates."""


class Artist(models.Model):
    name = models.CharField(max_length=300, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Label(models.Model):
    name = models.CharField(max_length=300, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)

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
        constraints = (
            models.CheckConstraint(condition=Q(sample_rate_hz__gt=0), name="master_rate_positive"),
            models.CheckConstraint(condition=Q(duration_samples__gt=0), name="master_duration_positive"),
        )

    def __str__(self) -> str:
        return f"{self.original_name} ({self.sha256[:12]})"

    @property
    def duration_ms(self) -> int:
        return self.duration_samples * 1000 // self.sample_rate_hz

    @property
    def loudness(self) -> Loudness:
        return Loudness(integrated_lufs=self.integrated_lufs, true_peak_dbtp=self.true_peak_dbtp)

    def source_audio(self) -> SourceAudio:
        """What the size estimates need: the probe's figures, and the compressed audio size of FLAC/ALAC."""
        compressed = self.probe.get("audio_bytes") if self.codec in ("FLAC", "ALAC") else None
        return SourceAudio(duration_samples=self.duration_samples, rate_hz=self.sample_rate_hz,
                           channels=self.channels, bit_depth=self.bit_depth or 16, compressed_bytes=compressed)

    @contextmanager
    def local_path(self, scratch_dir: Path) -> Iterator[Path]:
        """The master as a local file, for the engine (which reads paths).

        Local storage hands out its own path; any other storage (S3) is copied into `scratch_dir`
        (through a .part file) and the copy is removed on exit.
        """
        if local := self._local_file():
            yield local
            return
        copy = scratch_dir / f"master-{self.sha256}{Path(self.storage_key).suffix}"
        part = copy.with_name(copy.name + ".part")
        try:
            with default_storage.open(self.storage_key, "rb") as source, part.open("wb") as target:
                shutil.copyfileobj(source, target, _COPY_CHUNK_BYTES)
            part.replace(copy)
            yield copy
        finally:
            part.unlink(missing_ok=True)
            copy.unlink(missing_ok=True)

    def _local_file(self) -> Path | None:
        """The stored file's own path, if the storage keeps files on this machine's disk."""
        try:
            path = Path(default_storage.path(self.storage_key))
        except NotImplementedError:  # remote storage, such as S3
            return None
        return path if path.is_file() else None  # InMemoryStorage names a path that does not exist


class ReleaseQuerySet(models.QuerySet["Release"]):
    def on_sale(self) -> ReleaseQuerySet:
        return self.filter(status=Release.Status.LIVE)

    def quarantined(self) -> ReleaseQuerySet:
        return self.filter(status=Release.Status.QUARANTINED)

    def search(self, text: str) -> ReleaseQuerySet:
        """Releases whose title, artist, label, a track's title or artist, an ISRC or the UPC match `text`."""
        words = text.split()
        found = self
        for word in words:
            code = word.replace("-", "").upper()
            found = found.filter(
                Q(title__icontains=word) | Q(artist_display__icontains=word) | Q(label__name__icontains=word)
                | Q(tracks__title__icontains=word) | Q(tracks__artist_display__icontains=word)
                | Q(tracks__isrc=code) | Q(upc=code.lstrip("0")) | Q(upc=code) | Q(genre__iexact=word)
            )
        return found.distinct()


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
        ordering = ("-release_date", "title")
        constraints = (
            models.CheckConstraint(
                condition=(Q(status="live", quarantine_reason="")
                           | Q(status="quarantined") & ~Q(quarantine_reason="")),
                name="release_quarantine_has_reason",
            ),
        )

    def __str__(self) -> str:
        return f"{self.artist_display} - {self.title}"

    @property
    def album_loudness(self) -> Loudness | None:
        if self.album_integrated_lufs is None or self.album_true_peak_dbtp is None:
            return None
        return Loudness(integrated_lufs=self.album_integrated_lufs, true_peak_dbtp=self.album_true_peak_dbtp)

    @property
    def date_text(self) -> str | None:
        """The release date as tags write it: "2026-11-29", or the year alone when that is all we know."""
        if self.release_date:
            return self.release_date.isoformat()
        return str(self.year) if self.year else None

    def cover_bytes(self) -> bytes | None:
        """The cover as stored at ingest (already validated and sized by prepare_cover)."""
        if not self.cover_key:
            return None
        with default_storage.open(self.cover_key, "rb") as fh:
            data: bytes = fh.read()
        return data


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
        ordering = ("release", "disc_number", "position")
        constraints = (
            models.UniqueConstraint(fields=["release", "disc_number", "position"], name="track_slot_unique"),
        )

    def __str__(self) -> str:
        return f"{self.disc_number}-{self.position:02d} {self.title}"

    def artist_names(self) -> tuple[str, ...]:
        """The track's artists in credit order.

        The many-to-many keeps no order, so the order is where each name appears in `artist_display`
        (which ingest builds from the tags in their order).
        """
        display = self.artist_display

        def credit_position(name: str) -> tuple[int, str]:
            index = display.find(name)
            return (index if index >= 0 else len(display), name)

        return tuple(sorted((artist.name for artist in self.artists.all()), key=credit_position))

    def size_estimate(self, format_name: str) -> SizeEstimate:
        """The size of this track's file in `format_name` before it is encoded (tags and cover included)."""
        cover_bytes = default_storage.size(self.release.cover_key) if self.release.cover_key else 0
        return estimate_size_bytes(get_format(format_name), self.master.source_audio(),
                                   metadata_bytes=TAGS_ALLOWANCE_BYTES + cover_bytes)

    def track_tags(self) -> TrackTags:
        """What every rendition of this track says about itself, read from the catalogue."""
        release = self.release
        disc_tracks = release.tracks.filter(disc_number=self.disc_number).count()
        disc_total = release.tracks.aggregate(models.Max("disc_number"))["disc_number__max"] or 1
        return TrackTags(
            title=self.title,
            artists=self.artist_names() or (self.artist_display,),
            album_artist=release.artist_display or None,
            album=release.title,
            track_number=self.position,
            track_total=disc_tracks,
            disc_number=self.disc_number,
            disc_total=disc_total,
            date=release.date_text,
            genre=self.genre or release.genre or None,
            isrc=self.isrc or None,
            barcode=release.upc or None,
            label=release.label.name if release.label else None,
            copyright=release.c_line or release.p_line or None,
            track_loudness=self.master.loudness,
            album_loudness=release.album_loudness,
        )
