"""The rendition cache: encoded once, stored, reused, evicted least-recently-used first."""

from __future__ import annotations

import datetime
import hashlib
import multiprocessing
import multiprocessing.process
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from pressplant.audio.errors import EncodeError, UnknownFormat
from pressplant.audio.tags import read_tags
from pressplant.catalogue.actions import ingest_tree
from pressplant.catalogue.models import Track
from pressplant.delivery import actions, cache
from pressplant.delivery.cache import get_or_create_rendition
from pressplant.delivery.models import Rendition
from tests.delivery import workers
from tests.rows import loaded_fields
from tests.together import run_together


@pytest.fixture
def encodes(monkeypatch) -> list[str]:
    """Every encode the cache starts, by format; each takes a little longer than it would, so that
    concurrent callers really overlap."""
    started: list[str] = []
    real = cache.transcode

    def counted(master, fmt, out, tags=None, cover=None):
        started.append(fmt.name)
        threading.Event().wait(0.3)
        return real(master, fmt, out, tags=tags, cover=cover)

    monkeypatch.setattr(cache, "transcode", counted)
    return started


def _files(media: Path, folder: str = "renditions") -> list[Path]:
    return sorted(p for p in (media / folder).rglob("*") if p.is_file()) if (media / folder).exists() else []


@pytest.mark.django_db
def test_a_rendition_is_encoded_once_then_served_from_storage(tracks, encodes, media_storage, tmp_path):
    first = get_or_create_rendition(tracks[0], "mp3-128")
    again = get_or_create_rendition(tracks[0], "mp3-128")

    assert encodes == ["mp3-128"] and again.pk == first.pk
    assert first.status == Rendition.Status.READY
    data = default_storage.open(first.storage_key).read()
    assert (first.size_bytes, first.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    copy = tmp_path / "copy.mp3"
    copy.write_bytes(data)
    tags = read_tags(copy)
    assert (tags.first("title"), tags.first("isrc"), tags.first("album"), tags.first("barcode")) == (
        "One", "GBXYZ2600001", "Cache Songs", "5710261026118")
    assert [p.mime for p in tags.pictures] == ["image/jpeg"]
    assert _files(media_storage) == [media_storage / first.storage_key]
    assert not any((tmp_path / "work").iterdir())  # scratch space is cleaned up


@pytest.mark.django_db
def test_new_tags_make_a_new_rendition(tracks, encodes):
    before = get_or_create_rendition(tracks[1], "flac")
    tracks[1].title = "Two (Remastered)"
    tracks[1].save()

    after = get_or_create_rendition(tracks[1], "flac")

    assert after.pk != before.pk and after.tag_version != before.tag_version
    assert encodes == ["flac", "flac"]
    cached = cache.cached_rendition(tracks[1], "flac")  # the file with today's tags, read as the ORM reads it
    assert cached is not None and loaded_fields(cached) == loaded_fields(Rendition.objects.get(pk=after.pk))
    Rendition.objects.filter(pk=after.pk).update(status=Rendition.Status.BUILDING)
    assert cache.cached_rendition(tracks[1], "flac") is None  # one being rebuilt is not served


@pytest.mark.django_db
def test_an_unknown_format_is_refused(tracks):
    with pytest.raises(UnknownFormat):
        get_or_create_rendition(tracks[0], "mp3-999")


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_in_threads_encode_once(tracks, encodes, media_storage):
    results = _ask_together(tracks[0], "opus-96", callers=4)

    assert encodes == ["opus-96"]
    assert {r.pk for r in results if isinstance(r, Rendition)} == {Rendition.objects.get().pk}, results
    assert len(results) == 4 and len(_files(media_storage)) == 1


def _ask_together(track: Track, format_name: str, callers: int) -> list[Rendition | BaseException]:
    """`callers` threads ask for the same rendition at the same moment."""
    return run_together(callers, lambda _: get_or_create_rendition(track, format_name))


@pytest.mark.django_db(transaction=True)
def test_a_slow_encode_renews_its_lease_and_is_not_taken_over(tracks, monkeypatch, media_storage):
    started: list[str] = []
    real = cache.transcode

    def slow(master, fmt, out, tags=None, cover=None):
        started.append(fmt.name)
        threading.Event().wait(2.5)
        return real(master, fmt, out, tags=tags, cover=cover)

    monkeypatch.setattr(cache, "transcode", slow)
    monkeypatch.setattr(actions, "LEASE_SECONDS", 1.0)  # renewed every ~0.33 s; the encode takes > 2.5 s

    results = _ask_together(tracks[0], "aac-128", callers=2)

    assert started == ["aac-128"]
    assert {r.pk for r in results if isinstance(r, Rendition)} == {Rendition.objects.get().pk}, results


@pytest.mark.django_db
def test_an_expired_lease_is_taken_over_and_its_leftover_removed(tracks, encodes, media_storage):
    fmt = cache.get_format("flac")
    version = cache.tag_version(tracks[0].track_tags(), tracks[0].release.cover_sha256, fmt)
    leftover = cache.rendition_storage_key(tracks[0].master.sha256, fmt, version, "deadbeef" * 4)
    default_storage.save(leftover, ContentFile(b"the first half of a file"))
    Rendition.objects.create(master=tracks[0].master, format_name="flac", tag_version=version,
                             lease_token="deadbeef" * 4, storage_key=leftover,
                             lease_expires_at=timezone.now() - datetime.timedelta(seconds=1))

    rendition = get_or_create_rendition(tracks[0], "flac")

    assert rendition.status == Rendition.Status.READY and Rendition.objects.count() == 1
    assert _files(media_storage) == [media_storage / rendition.storage_key]
    assert encodes == ["flac"]


@pytest.mark.django_db
def test_a_failed_encode_leaves_no_row_and_no_file(tracks, monkeypatch, media_storage):
    def broken(master, fmt, out, tags=None, cover=None):
        Path(str(out) + ".part").write_bytes(b"half a file")
        raise EncodeError(f"{Path(master).name} -> {fmt.name}: encoder crashed")

    monkeypatch.setattr(cache, "transcode", broken)

    with pytest.raises(EncodeError, match="encoder crashed"):
        get_or_create_rendition(tracks[0], "aac-128")

    assert Rendition.objects.count() == 0
    assert _files(media_storage) == [] and not any((media_storage.parent / "work").iterdir())


@pytest.mark.django_db
def test_a_failure_after_storing_removes_the_stored_file(tracks, monkeypatch, media_storage):
    def lost_database(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(cache.actions, "complete_rendition", lost_database)

    with pytest.raises(RuntimeError):
        get_or_create_rendition(tracks[0], "wav")

    assert Rendition.objects.count() == 0 and _files(media_storage) == []


@pytest.mark.django_db
def test_least_recently_used_renditions_are_evicted_past_the_cap(tracks, settings, media_storage):
    one, two = (get_or_create_rendition(t, "mp3-128") for t in tracks[:2])
    assert one.size_bytes == two.size_bytes
    now = timezone.now()
    Rendition.objects.filter(pk=one.pk).update(last_used_at=now - datetime.timedelta(minutes=1))
    Rendition.objects.filter(pk=two.pk).update(last_used_at=now - datetime.timedelta(hours=1))
    settings.RENDITION_CACHE_MAX_BYTES = one.size_bytes * 5 // 2

    three = get_or_create_rendition(tracks[2], "mp3-128")

    assert set(Rendition.objects.values_list("pk", flat=True)) == {one.pk, three.pk}
    assert _files(media_storage) == sorted(media_storage / r.storage_key for r in (one, three))


@pytest.mark.django_db
def test_the_rendition_just_made_is_kept_even_past_the_cap(tracks, settings, media_storage):
    get_or_create_rendition(tracks[0], "mp3-128")
    settings.RENDITION_CACHE_MAX_BYTES = 1

    newest = get_or_create_rendition(tracks[1], "mp3-128")

    assert list(Rendition.objects.all()) == [newest]
    assert _files(media_storage) == [media_storage / newest.storage_key]


@pytest.mark.django_db
def test_storage_without_local_paths_is_read_through_scratch_files(album_tree, settings, encodes):
    """As on S3: the master is copied to scratch space for the encoder, and the copy removed."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    ingest_tree(album_tree)

    rendition = get_or_create_rendition(Track.objects.get(position=2), "alac")

    assert default_storage.open(rendition.storage_key).read()[4:8] == b"ftyp"
    assert encodes == ["alac"]
    assert not any(Path(settings.RENDITION_WORK_DIR).iterdir())


def test_concurrent_requests_in_processes_encode_once(album_tree, tmp_path):
    """Two worker processes of one deployment (same database file and media) ask at the same moment."""
    home, log = tmp_path / "home", tmp_path / "encodes.log"
    context = multiprocessing.get_context("spawn")
    results, start = context.Queue(), context.Event()
    _run(context.Process(target=workers.prepare_store, args=(str(home), str(album_tree), results)))
    track_id = results.get(timeout=60)
    askers = [context.Process(target=workers.ask_for_rendition,
                              args=(str(home), str(log), track_id, "flac", start, results)) for _ in range(2)]
    for process in askers:
        process.start()
    start.set()
    answers = [results.get(timeout=60) for _ in askers]
    for process in askers:
        _run(process, started=True)

    assert len(set(answers)) == 1 and isinstance(answers[0], tuple), answers
    assert len(log.read_text().split()) == 1
    with closing(sqlite3.connect(home / "pressplant.sqlite3")) as db:  # around the ORM
        rows = db.execute("SELECT status, storage_key, size_bytes FROM delivery_rendition").fetchall()
    assert [(status, key) for status, key, _ in rows] == [("ready", answers[0][1])]
    assert _files(home / "media") == [home / "media" / answers[0][1]]
    assert (home / "media" / answers[0][1]).stat().st_size == rows[0][2]


def _run(process: multiprocessing.process.BaseProcess, started: bool = False) -> None:
    if not started:
        process.start()
    process.join(timeout=60)
    assert process.exitcode == 0


@pytest.mark.django_db
@pytest.mark.parametrize("format_name", ["mp3-320", "mp3-128", "wav", "flac"])
def test_the_size_quoted_before_encoding_is_within_its_bound_of_the_real_file(tracks, format_name):
    """Per-megabyte prices are quoted from the estimate; the file the buyer gets must match it."""
    track = tracks[0]  # carries the embedded cover, which the estimate must count
    estimate = track.size_estimate(format_name)
    rendition = get_or_create_rendition(track, format_name)
    assert estimate.admits(rendition.size_bytes), (estimate, rendition.size_bytes)
