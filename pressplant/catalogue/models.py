"""The catalogue: who made what, what it is called, and the lossless master behind every track."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import cast

from django.core.files.storage import default_storage
from django.db import connection, models
from django.db.models import Q, Value
from django.db.models.functions import Upper

from pressplant.audio.formats import SizeEstimate, SourceAudio, estimate_size_bytes, get_format
from pressplant.audio.metadata import Loudness, TrackTags
from pressplant.operations.rows import columns_of, instances_from_row

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
        """Releases matching every word of `text`: in the title, the artist, the genre, the label, a track's
        title or artist (any case), or equal to a track's ISRC or the UPC/EAN.

        The words live in one column, `search_text`, upper case, which the database's own triggers keep
        current (migration 0002), so each word is one indexed match (pg_trgm on PostgreSQL), all of them in
        one index scan, instead of a join over every track. Its fields are joined by newlines, so a word
        (which has no whitespace) matches within one field, as a match on each field would; the word is
        upper-cased by the database, as `icontains` does. Codes are looked up first, in one query; only a
        word that is a code adds its releases to its match."""
        words = text.split()
        codes = {word: word.replace("-", "").upper() for word in words}
        by_code = _releases_by_code(set(codes.values()))
        found = self
        for word in words:
            match = Q(search_text__contains=Upper(Value(word)))
            if coded := by_code.get(codes[word]):
                match |= Q(pk__in=coded)
            found = found.filter(match)
        return found

    def refresh_search_text(self) -> int:
        """Rebuild these releases' `search_text` (the triggers do it on every change; a bulk load that ran
        with triggers off calls this). Setting it empty is what makes the trigger write it."""
        return self.update(search_text="")


def _releases_by_code(codes: set[str]) -> dict[str, set[int]]:
    """Each code -> the releases with a track of that ISRC or with that UPC/EAN (with or without its
    leading zeros): one query for all of them."""
    codes = {code for code in codes if code}
    if not codes:
        return {}
    barcodes = {form for code in codes for form in (code, code.lstrip("0")) if form}
    kind = models.CharField()
    isrcs = (Track.objects.filter(isrc__in=codes).order_by()
             .values_list(Value("isrc", output_field=kind), "isrc", "release_id"))
    upcs = Release.objects.filter(upc__in=barcodes).order_by().values_list(Value("upc", output_field=kind), "upc", "id")
    found: dict[tuple[str, str], set[int]] = {}
    for kind_name, value, release_id in isrcs.union(upcs, all=True):
        found.setdefault((kind_name, value), set()).add(release_id)
    return {code: found.get(("isrc", code), set()) | found.get(("upc", code), set())
            | found.get(("upc", code.lstrip("0")), set()) for code in codes}


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
    search_text = models.TextField(
        blank=True, editable=False,
        help_text="Title, artist, genre, label, and every track's title and artist, one a line, in upper "
                  "case: written by the database's triggers, read by search().")

    objects = ReleaseQuerySet.as_manager()

    class Meta:
        ordering = ("-release_date", "title")
        indexes = (
            models.Index(fields=["upc"], name="release_upc"),
            models.Index(Upper("genre"), name="release_genre_upper"),
            models.Index(fields=["-created_at", "-id"], name="release_newest_first"),
        )
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

    @cached_property
    def cover_size_bytes(self) -> int:
        """The stored cover's size, 0 without one: asked of the storage (a HEAD request on S3) once per
        loaded release, however many size estimates read it."""
        return default_storage.size(self.cover_key) if self.cover_key else 0

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
        indexes = (models.Index(fields=["isrc"], name="track_isrc"),)

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

        return tuple(sorted(self._artist_rows(), key=credit_position))

    def _artist_rows(self) -> list[str]:
        """The names of the track's artists, in no order. Read by hand (as the disc counts below): every
        download of a cached file computes the track's tags, and the ORM's query building cost more than
        the database's answer."""
        through = Track.artists.through._meta
        sql = (f"SELECT catalogue_artist.name FROM catalogue_artist JOIN {through.db_table} ON "  # noqa: S608
               f"{through.db_table}.artist_id = catalogue_artist.id WHERE {through.db_table}.track_id = %s")
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.pk])  # the table's name from the model, the value a parameter
            return [name for (name,) in cursor.fetchall()]

    def _disc_counts(self) -> tuple[int, int]:
        """(tracks on this track's disc, discs of its release)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT SUM(CASE WHEN disc_number = %s THEN 1 ELSE 0 END), MAX(disc_number) "
                           "FROM catalogue_track WHERE release_id = %s", [self.disc_number, self.release_id])
            on_disc, discs = cursor.fetchone()
        return int(on_disc or 0), int(discs or 1)

    def size_estimate(self, format_name: str) -> SizeEstimate:
        """The size of this track's file in `format_name` before it is encoded (tags and cover included)."""
        return estimate_size_bytes(get_format(format_name), self.master.source_audio(),
                                   metadata_bytes=TAGS_ALLOWANCE_BYTES + self.release.cover_size_bytes)

    def track_tags(self) -> TrackTags:
        """What every rendition of this track says about itself, read from the catalogue."""
        release = self.release
        disc_tracks, disc_total = self._disc_counts()
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


_WITH_RELEASE = (Track, Release, Master, Label)
"""What a download of a track reads, in one row: the track, its release, the release's label, the master."""


def track_with_release(track_id: int) -> Track | None:
    """Track `track_id` with its release, label (None if it has none) and master loaded, whatever the
    release's status: a buyer keeps downloading what they bought after a takedown. Written by hand: every
    download asks, and the ORM's select_related cost several times the query."""
    sql = (f"SELECT {', '.join(columns_of(model) for model in _WITH_RELEASE)} FROM catalogue_track "  # noqa: S608
           "JOIN catalogue_release ON catalogue_release.id = catalogue_track.release_id "
           "JOIN catalogue_master ON catalogue_master.id = catalogue_track.master_id "
           "LEFT JOIN catalogue_label ON catalogue_label.id = catalogue_release.label_id "
           "WHERE catalogue_track.id = %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [track_id])  # table and column names from the models, the value a parameter
        row = cursor.fetchone()
    if row is None:
        return None
    track, release, master, label = instances_from_row(_WITH_RELEASE, row)
    track.release, track.master, release.label = release, master, label
    return cast(Track, track)
