"""/metrics as Prometheus's scraper reads it: the text parsed by prometheus_client's own parser, after
requests, downloads and queued tasks an operator would see counted."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import urllib.request
import uuid
from pathlib import Path

import pytest
import redis
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from pressplant.catalogue.models import Release
from pressplant.celery import app
from pressplant.delivery.links import download_path
from pressplant.orders.actions import OrderItem, place_order
from tests.catalogue.masters import tag, write_sine
from tests.orders.conftest import fund
from tests.together import free_port, wait_for_port

REDIS_URL = os.environ.get("PRESSPLANT_TEST_REDIS_URL", "")
needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="PRESSPLANT_TEST_REDIS_URL is not set: the Redis run is part of CI (.ci/run)")
BIN = Path(sys.executable).parent

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> Samples:
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def scrape(**headers: str) -> Samples:
    response = Client().get("/metrics", headers=headers)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    return parse(response.content.decode())


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def grew(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


@pytest.mark.django_db
def test_a_page_is_counted_under_its_route_never_its_path(tracks):
    release = Release.objects.get()
    before = scrape()
    assert Client().get("/").status_code == 200
    assert Client().get(f"/releases/{release.pk}/").status_code == 200
    assert Client().get("/download/a-secret-download-token").status_code == 403
    assert Client().get("/no/such/page-1234").status_code == 404
    response = Client().get("/metrics")
    after = parse(response.content.decode())

    counted = {(route, status): grew(before, after, "pressplant_http_requests_total", method="GET", route=route,
                                     status=status)
               for route, status in (("storefront:home", "200"), ("storefront:release", "200"), ("download", "403"),
                                     ("unmatched", "404"), ("metrics", "200"))}
    assert counted == {("storefront:home", "200"): 1, ("storefront:release", "200"): 1, ("download", "403"): 1,
                       ("unmatched", "404"): 1, ("metrics", "200"): 1}
    assert grew(before, after, "pressplant_http_request_duration_seconds_count", method="GET",
                route="storefront:home") == 1
    text = response.content.decode()
    assert "a-secret-download-token" not in text and "page-1234" not in text and f"/{release.pk}/" not in text
    assert "pressplant_celery_queue_length" not in text, "the embedded store has no task queue"


@pytest.fixture
def bought(buyer, tracks):
    fund(buyer, 10_000)
    place_order(buyer, [OrderItem("mp3-v0", track_id=tracks[0].pk)], "metrics")
    return buyer


def _download(customer, path: str) -> bytes:
    client = Client()
    client.force_login(customer.user)
    response = client.get(path)
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.django_db(transaction=True)
def test_a_first_download_encodes_and_the_second_is_a_cache_hit(bought, tracks, flushable_ledger):
    path = download_path(bought.pk, "track", tracks[0].pk, "mp3-v0")
    before = scrape()
    body = _download(bought, path)
    first = scrape()
    _download(bought, path)
    second = scrape()

    fmt = {"format": "mp3-v0"}
    assert grew(before, first, "pressplant_rendition_cache_misses_total", **fmt) == 1
    assert grew(before, first, "pressplant_rendition_cache_hits_total", **fmt) == 0
    assert grew(before, first, "pressplant_encodes_total", outcome="ok", **fmt) == 1
    assert grew(before, first, "pressplant_encode_duration_seconds_count", **fmt) == 1
    assert grew(first, second, "pressplant_rendition_cache_hits_total", **fmt) == 1
    assert grew(first, second, "pressplant_encodes_total", outcome="ok", **fmt) == 0
    assert value(second, "pressplant_renditions", status="ready", **fmt) == 1
    assert value(second, "pressplant_rendition_cache_bytes", **fmt) == len(body)


@pytest.mark.django_db(transaction=True)
def test_an_encode_that_fails_is_counted_as_failed(bought, tracks, media_storage, flushable_ledger):
    (media_storage / tracks[0].master.storage_key).write_bytes(bytes(range(256)) * 64)  # the master rotted
    before = scrape()
    client = Client(raise_request_exception=False)
    client.force_login(bought.user)
    response = client.get(download_path(bought.pk, "track", tracks[0].pk, "mp3-v0"))
    after = scrape()

    assert response.status_code == 500
    assert grew(before, after, "pressplant_encodes_total", format="mp3-v0", outcome="failed") == 1
    assert grew(before, after, "pressplant_encodes_total", format="mp3-v0", outcome="ok") == 0
    assert grew(before, after, "pressplant_http_requests_total", method="GET", route="download", status="500") == 1


@pytest.mark.django_db
def test_with_a_token_set_only_the_scraper_holding_it_gets_metrics(settings):
    settings.PRESSPLANT_METRICS_TOKEN = "scrape-7Yc2"
    refused = [Client().get("/metrics"), Client().get("/metrics", headers={"Authorization": "Bearer wrong"}),
               Client().get("/metrics", headers={"Authorization": "scrape-7Yc2"})]
    assert [response.status_code for response in refused] == [403, 403, 403]
    assert all(b"pressplant_http_requests" not in response.content for response in refused)
    assert value(scrape(Authorization="Bearer scrape-7Yc2"), "pressplant_rendition_cache_limit_bytes") == (
        settings.RENDITION_CACHE_MAX_BYTES)


@pytest.mark.django_db
def test_a_broker_that_does_not_answer_costs_its_gauge_not_the_scrape(monkeypatch):
    monkeypatch.setattr(app.conf, "broker_url", f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    samples = scrape()
    assert value(samples, "pressplant_celery_broker_up") == 0
    assert not any(name == "pressplant_celery_queue_length" for name, _ in samples)


@pytest.mark.django_db
@needs_redis
def test_the_queue_depth_is_read_from_the_redis_broker(monkeypatch):
    queue = f"metrics-test-{uuid.uuid4().hex[:12]}"
    monkeypatch.setattr(app.conf, "broker_url", REDIS_URL)
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setitem(app.conf, "task_default_queue", queue)
    broker = redis.Redis.from_url(REDIS_URL)
    try:
        with app.connection_for_write(REDIS_URL) as connection:
            for priority in (None, None, None, 9, 5):  # kombu keeps each priority step in a list of its own
                app.send_task("pressplant.never_runs", queue=queue, priority=priority, connection=connection)
        samples = scrape()
    finally:
        for key in broker.scan_iter(f"*{queue}*"):
            broker.delete(key)
    assert value(samples, "pressplant_celery_queue_length", queue=queue) == 5
    assert value(samples, "pressplant_celery_broker_up") == 1


def _store_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "PROMETHEUS_MULTIPROC_DIR")}
    return env | {"PRESSPLANT_HOME": str(home)}


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read()


def test_several_server_workers_report_every_request_whichever_answers(tmp_path):
    port, requests = free_port(), 40
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([str(BIN / "pressplant"), "serve", "--port", str(port), "--workers", "2"],
                              env=_store_env(tmp_path / "home"), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        threads = [threading.Thread(target=lambda: [_get(f"{base}/healthz") for _ in range(requests // 4)])
                   for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        scrapes = [parse(_get(f"{base}/metrics").decode()) for _ in range(8)]
    finally:
        server.terminate()
        server.wait(timeout=30)

    healthz = {"method": "GET", "route": "healthz", "status": "200"}
    assert [value(s, "pressplant_http_requests_total", **healthz) for s in scrapes] == [requests] * 8
    earlier_scrapes = [value(s, "pressplant_http_requests_total", method="GET", route="metrics", status="200")
                       for s in scrapes]
    assert earlier_scrapes == list(range(8))
    counting = {path.stem.rsplit("_", 1)[1] for path in (tmp_path / "home" / "metrics" / str(port)).glob("*.db")}
    assert len(counting) == 2, f"both workers answered: {counting}"


@needs_redis
def test_a_worker_elsewhere_serves_its_encodes_on_its_own_port(tmp_path):
    """A prefork worker: the encode runs in a pool process, the main process's HTTP server reports it."""
    queue, port = f"metrics-worker-{uuid.uuid4().hex[:12]}", free_port()
    env = _store_env(tmp_path / "home") | {"REDIS_URL": REDIS_URL, "PRESSPLANT_WORKER_METRICS_PORT": str(port),
                                           "PRESSPLANT_WORKER_METRICS_ADDRESS": "127.0.0.1",
                                           "DJANGO_SETTINGS_MODULE": "pressplant.settings"}
    album = tmp_path / "drop" / "Worker Album"
    tag(write_sine(album / "01.flac", seconds=1.0), title="Queued", artist="W", album="Worker Album",
        tracknumber="1")
    subprocess.run([str(BIN / "pressplant"), "ingest", str(tmp_path / "drop")], env=env, check=True,
                   capture_output=True)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "pressplant.celery", "worker", "--pool", "prefork",
         "--concurrency", "1", "-Q", queue, "--without-heartbeat", "--without-mingle", "--without-gossip"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for_port(port)
        client = subprocess.run([sys.executable, "-c", ENCODE_ON_THE_WORKER, queue], env=env, capture_output=True,
                                text=True, timeout=180)
        samples = parse(_get(f"http://127.0.0.1:{port}/metrics").decode())
    finally:
        worker.terminate()
        log = worker.communicate(timeout=60)[0]
        broker = redis.Redis.from_url(REDIS_URL)
        for key in broker.scan_iter(f"*{queue}*"):
            broker.delete(key)
    assert client.returncode == 0, client.stderr + log[-3000:]
    assert value(samples, "pressplant_encodes_total", format="mp3-128", outcome="ok") == 1
    assert value(samples, "pressplant_rendition_cache_misses_total", format="mp3-128") == 1
    assert value(samples, "pressplant_encode_duration_seconds_count", format="mp3-128") == 1


ENCODE_ON_THE_WORKER = """
import sys, django
django.setup()
from pressplant.catalogue.models import Track
from pressplant.delivery.tasks import encode_rendition
result = encode_rendition.apply_async((Track.objects.get().pk, "mp3-128"), queue=sys.argv[1])
result.get(timeout=120)
result.forget()
"""
