"""Pre-warming: the renditions that sold most lately are encoded before the next buyer asks, once."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.utils import timezone

from pressplant.accounts.actions import sign_up
from pressplant.catalogue.models import Release
from pressplant.celery import app
from pressplant.cli import main
from pressplant.delivery.models import Rendition
from pressplant.orders.actions import OrderItem, place_order, refund_order
from pressplant.orders.bestsellers import BestSeller, best_sellers, prewarm
from pressplant.orders.tasks import prewarm_best_sellers
from tests.catalogue.conftest import media_storage  # noqa: F401  (empty storage per test)
from tests.independent import audio_stream, ffprobe
from tests.orders.conftest import PASSWORD, fund


@pytest.fixture
def sales(tracks):
    """Lately: track One in MP3 320 by three buyers (one refunded), track Two in FLAC by two, the whole
    release in MP3 128 by one. Forty days ago: track Six in WAV by three (too old to count)."""
    release = Release.objects.get()
    buyers = [sign_up(f"buyer{n}@example.com", PASSWORD, "GB") for n in range(4)]
    for buyer in buyers:
        fund(buyer, 10_000)
    a, b, c, d = buyers
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() - datetime.timedelta(days=40)):
        for buyer in (a, c, d):
            place_order(buyer, [OrderItem("wav", track_id=tracks[2].pk)], "old")
    place_order(a, [OrderItem("mp3-320", track_id=tracks[0].pk), OrderItem("flac", track_id=tracks[1].pk)], "a")
    place_order(b, [OrderItem("mp3-320", track_id=tracks[0].pk), OrderItem("mp3-128", release_id=release.pk)], "b")
    refund_order(place_order(c, [OrderItem("mp3-320", track_id=tracks[0].pk)], "c"), "refund-c")
    place_order(d, [OrderItem("flac", track_id=tracks[1].pk)], "d")
    return tracks


def _rendered() -> set[tuple[int, str]]:
    """(track position, format) of every rendition in the cache."""
    return {(r.master.tracks.get().position, r.format_name) for r in Rendition.objects.select_related("master")}


def _files(media: Path) -> list[Path]:
    return sorted(p for p in media.rglob("*") if p.is_file() and "renditions" in p.parts)


@pytest.mark.django_db
def test_best_sellers_count_release_sales_for_each_track_and_skip_refunds_and_old_sales(sales):
    one, two, six = sales

    ranked = best_sellers(top=10, days=30)

    assert ranked == [BestSeller(one.pk, "mp3-320", 2), BestSeller(two.pk, "flac", 2),
                      BestSeller(one.pk, "mp3-128", 1), BestSeller(two.pk, "mp3-128", 1),
                      BestSeller(six.pk, "mp3-128", 1)]
    assert best_sellers(top=10, days=60)[0] == BestSeller(six.pk, "wav", 3)


@pytest.mark.django_db
def test_prewarm_encodes_exactly_the_best_sellers_and_a_second_run_nothing(sales, media_storage):  # noqa: F811
    first = prewarm(top=2, days=30)

    assert _rendered() == {(1, "mp3-320"), (2, "flac")}
    assert [(b.track_id, b.format_name) for b in first.sent] == [(sales[0].pk, "mp3-320"), (sales[1].pk, "flac")]
    mp3 = Rendition.objects.get(format_name="mp3-320")
    stream = audio_stream(ffprobe(media_storage / mp3.storage_key))
    assert (stream["codec_name"], stream["bit_rate"], stream["sample_rate"]) == ("mp3", "320000", "44100")
    files = {path: path.read_bytes() for path in _files(media_storage)}
    assert len(files) == 2

    again = prewarm(top=2, days=30)

    assert again.sent == [] and len(again.chosen) == 2
    assert _rendered() == {(1, "mp3-320"), (2, "flac")}
    assert {path: path.read_bytes() for path in _files(media_storage)} == files


@pytest.mark.django_db
def test_the_nightly_task_and_the_command_report_what_they_did(sales, capsys, monkeypatch):
    monkeypatch.setattr("pressplant.cli.setup_django", lambda: None)  # the test database is ready
    report = prewarm_best_sellers.delay(top=1, days=30).get()
    assert report["sent"] == [{"track_id": sales[0].pk, "format": "mp3-320", "sales": 2}]

    assert main(["prewarm", "--top", "3", "--days", "30", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)

    assert shown["already_cached"] == 1 and shown["failed"] == []
    assert [(b["track_id"], b["format"]) for b in shown["sent"]] == [(sales[1].pk, "flac"), (sales[0].pk, "mp3-128")]
    assert _rendered() == {(1, "mp3-320"), (2, "flac"), (1, "mp3-128")}
    assert main(["prewarm", "--top", "3"]) == 0
    assert "3 best sellers: 3 already cached, 0 encoded, 0 failed" in capsys.readouterr().out


def test_every_beat_entry_names_a_task_the_workers_know():
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled and scheduled <= set(app.tasks), scheduled - set(app.tasks)
