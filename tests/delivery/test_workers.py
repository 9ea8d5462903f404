"""obtain_rendition: the cache first, then an encode by a Celery worker (scale-out) or in process (embedded).

Celery is eager in these tests: the worker's code path (the encode_rendition task) runs in this process.
tests/test_celery_worker_loss.py runs it on real workers over Redis.
"""

from __future__ import annotations

import hashlib
import threading

import pytest
from celery.signals import task_prerun
from django.core.files.storage import default_storage
from django.test import Client

from pressplant.audio.errors import UnknownFormat
from pressplant.delivery import cache
from pressplant.delivery.links import download_path
from pressplant.delivery.models import Rendition
from pressplant.delivery.tasks import encode_rendition
from pressplant.delivery.workers import obtain_rendition
from pressplant.orders.actions import OrderItem, place_order
from tests.independent import audio_stream, ffprobe
from tests.orders.conftest import buyer, fund  # noqa: F401  (a signed-up buyer)


@pytest.fixture
def encodes(monkeypatch) -> list[str]:
    """Every encode started, by format."""
    started: list[str] = []
    real = cache.transcode

    def counted(master, fmt, out, tags=None, cover=None):
        started.append(fmt.name)
        return real(master, fmt, out, tags=tags, cover=cover)

    monkeypatch.setattr(cache, "transcode", counted)
    return started


@pytest.fixture
def task_runs() -> list[tuple[int, str]]:
    """Every encode_rendition task that ran: (track id, format)."""
    runs: list[tuple[int, str]] = []
    lock = threading.Lock()

    def record(sender=None, args=(), **_):
        if sender is not None and sender.name == encode_rendition.name:
            with lock:
                runs.append(tuple(args))

    task_prerun.connect(record, weak=False)
    yield runs
    task_prerun.disconnect(record)


@pytest.mark.django_db
def test_embedded_the_web_process_encodes_once_then_serves_the_cache(tracks, encodes, task_runs, settings):
    settings.PRESSPLANT_ENCODE_ON_WORKERS = False

    first = obtain_rendition(tracks[0], "mp3-128")
    again = obtain_rendition(tracks[0], "mp3-128")

    assert encodes == ["mp3-128"] and task_runs == []
    assert again.pk == first.pk and first.status == Rendition.Status.READY
    data = default_storage.open(first.storage_key).read()
    assert hashlib.sha256(data).hexdigest() == first.sha256


@pytest.mark.django_db
def test_on_workers_a_missing_rendition_is_encoded_by_the_task_and_then_served_without_one(
        tracks, encodes, task_runs, settings, media_storage, tmp_path):
    settings.PRESSPLANT_ENCODE_ON_WORKERS = True

    first = obtain_rendition(tracks[1], "mp3-192")
    again = obtain_rendition(tracks[1], "mp3-192")

    assert task_runs == [(tracks[1].pk, "mp3-192")] and encodes == ["mp3-192"]
    assert again.pk == first.pk and Rendition.objects.get().status == Rendition.Status.READY
    copy = tmp_path / "two.mp3"
    copy.write_bytes(default_storage.open(first.storage_key).read())
    stream = audio_stream(ffprobe(copy))
    assert (stream["codec_name"], stream["bit_rate"]) == ("mp3", "192000")


@pytest.mark.django_db
def test_an_unknown_format_is_refused_before_any_worker_is_asked(tracks, task_runs, settings):
    settings.PRESSPLANT_ENCODE_ON_WORKERS = True
    with pytest.raises(UnknownFormat):
        obtain_rendition(tracks[0], "mp3-999")
    assert task_runs == [] and Rendition.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_buyer_downloads_a_track_a_worker_encoded(buyer, tracks, task_runs, settings, tmp_path,  # noqa: F811
                                                     flushable_ledger):
    settings.PRESSPLANT_ENCODE_ON_WORKERS = True
    fund(buyer, 1_000)
    place_order(buyer, [OrderItem("flac", track_id=tracks[2].pk)], "buy-six")
    client = Client()
    client.force_login(buyer.user)

    response = client.get(download_path(buyer.pk, "track", tracks[2].pk, "flac"))

    assert response.status_code == 200 and task_runs == [(tracks[2].pk, "flac")]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body[:4] == b"fLaC" and hashlib.sha256(body).hexdigest() == Rendition.objects.get().sha256
