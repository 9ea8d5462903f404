"""A worker killed (SIGKILL, its whole process group) in the middle of an encode a buyer is waiting for.

Runs when PRESSPLANT_TEST_REDIS_URL names a Redis server (`.ci/run` sets it); on PostgreSQL when
PRESSPLANT_TEST_POSTGRES_URL names a server (in a database of its own, made and dropped here), else on
SQLite. Every part is its own process sharing one PRESSPLANT_HOME and the broker, as a scaled-out store:
two Celery workers (prefork, one child each), the buyer's web request (the download view), and this test,
which reads the database around the ORM, the files and the workers' logs.

The buyer pays once (a repeated purchase call with the same key buys nothing more), asks for the download,
and one worker takes the encode; it is killed while the rendition row is BUILDING. Then the buyer still
gets the file (the encode is sent again once the dead builder's lease lapses, and the live worker takes the
lease over), the killed worker's own task comes back after the visibility timeout and completes on the
other worker, and there is exactly one rendition, one file, one charge, and the ledger holds.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from pressplant.demo import MasterSpec, write_master
from tests.catalogue.masters import tag
from tests.independent import audio_stream, ffprobe

REDIS_URL = os.environ.get("PRESSPLANT_TEST_REDIS_URL", "")
POSTGRES_URL = os.environ.get("PRESSPLANT_TEST_POSTGRES_URL", "")
pytestmark = pytest.mark.skipif(
    not REDIS_URL, reason="PRESSPLANT_TEST_REDIS_URL is not set: the Redis/Celery run is part of CI (.ci/run)"
)
BIN = Path(sys.executable).parent
FORMAT = "mp3-320"
MASTER_SECONDS = 180
"""Long enough that its encode (seconds) is caught in the middle, short enough to encode twice quickly."""
LEASE_SECONDS = 3
VISIBILITY_TIMEOUT_SECONDS = 20
ENCODE_TASK = "pressplant.delivery.tasks.encode_rendition"

PREPARE = """
import django, json, sys
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from pathlib import Path
from pressplant.accounts.actions import sign_up
from pressplant.catalogue.actions import ingest_tree
from pressplant.catalogue.models import Track
from pressplant.ledger.actions import balance
from pressplant.money import Money
from pressplant.orders.actions import OrderItem, place_order
from pressplant.orders.shop import Shopper, offer
from pressplant.payments.actions import create_vouchers, redeem_voucher
fmt = sys.argv[2]
ingest_tree(Path(sys.argv[1]))
track = Track.objects.get()
buyer = sign_up("buyer@example.com", "correct horse battery staple", "GB")
[code] = create_vouchers(Money(2_000, "GBP"), 1)
redeem_voucher(buyer.pk, code)
start = balance(buyer.wallet_account, "GBP").amount_minor
price = offer("track", track.pk, fmt, Shopper("GBP", "GB", None)).quote.price.amount_minor
first = place_order(buyer, [OrderItem(fmt, track_id=track.pk)], "buy-track-once")
again = place_order(buyer, [OrderItem(fmt, track_id=track.pk)], "buy-track-once")
print(json.dumps({"buyer": buyer.pk, "track": track.pk, "master": track.master_id, "start": start,
                  "price": price, "orders": [first.pk, again.pk],
                  "after": balance(buyer.wallet_account, "GBP").amount_minor}))
"""

DOWNLOAD = """
import django, hashlib, json, sys
django.setup()
from django.test import Client
from pressplant.accounts.models import Customer
from pressplant.delivery.links import download_path
buyer = Customer.objects.get(pk=int(sys.argv[1]))
client = Client()
client.force_login(buyer.user)
response = client.get(download_path(buyer.pk, "track", int(sys.argv[2]), sys.argv[3]))
body = b"".join(response.streaming_content) if response.streaming else response.content
with open(sys.argv[4], "wb") as out:
    out.write(body)
print(json.dumps({"status": response.status_code, "sha256": hashlib.sha256(body).hexdigest()}))
"""

WALLET = """
import django, json, sys
django.setup()
from pressplant.accounts.models import Customer
from pressplant.ledger.actions import balance
from pressplant.orders.models import Order
buyer = Customer.objects.get(pk=int(sys.argv[1]))
print(json.dumps({"balance": balance(buyer.wallet_account, "GBP").amount_minor,
                  "orders": Order.objects.filter(customer=buyer).count()}))
"""


def test_a_worker_killed_mid_encode_loses_nothing_and_duplicates_nothing(tmp_path):
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    with _database() as database_url:
        env = _environment(tmp_path / "home", database_url)
        drop = tmp_path / "drop"
        drop.mkdir()
        tag(write_master(drop / "01.flac", MasterSpec(seed=11, seconds=MASTER_SECONDS)), title="Long Song",
            artist="The Survivors", album="Worker Loss", tracknumber="1", isrc="GBWRK2600001")
        with contextlib.ExitStack() as stack:
            workers = stack.enter_context(_workers(env, tmp_path, ("w1", "w2")))
            # given a buyer who paid for one track, once, though the purchase was sent twice
            bought = _run_json(env, PREPARE, str(drop), FORMAT)
            assert bought["orders"][0] == bought["orders"][1]
            assert bought["after"] == bought["start"] - bought["price"] and bought["price"] > 0
            _wait_until_ready(workers)
            # when the buyer asks for the download and the worker encoding it is killed
            out = tmp_path / "download.mp3"
            client = stack.enter_context(_download(env, bought["buyer"], bought["track"], out))
            taker, task_id = _wait_for_a_worker_to_take_the_encode(workers, client)
            db = _Database(env)
            _wait_until(lambda: db.rendition_states(bought["master"]) == ["building"], 60, "a BUILDING rendition")
            os.killpg(workers[taker].process.pid, signal.SIGKILL)
            workers[taker].process.wait(timeout=30)
            assert db.rendition_states(bought["master"]) == ["building"], "the encode ended before the kill"
            survivor = next(worker for name, worker in workers.items() if name != taker)
            stdout, stderr = client.communicate(timeout=120)
            # then the buyer gets the file, and the killed worker's own task completes on the other worker
            assert client.returncode == 0, stderr[-3000:] + survivor.log_text()[-3000:]
            got = json.loads(stdout.strip().splitlines()[-1])
            _wait_until(lambda: f"{ENCODE_TASK}[{task_id}] succeeded" in survivor.log_text(),
                        VISIBILITY_TIMEOUT_SECONDS + 60, "the killed worker's task to complete on the other worker")
            # (the buyer did not wait for it: the encode sent again when the lease lapsed served them first)
            succeeded = re.findall(re.escape(ENCODE_TASK) + r"\[([0-9a-f-]+)\] succeeded", survivor.log_text())
            assert len(succeeded) == 2 and succeeded[-1] == task_id, succeeded
        _assert_one_rendition_one_file(env, db, bought["master"], got, out)
        wallet = _run_json(env, WALLET, str(bought["buyer"]))
        assert wallet == {"balance": bought["start"] - bought["price"], "orders": 1}
        verify = subprocess.run([str(BIN / "pressplant"), "ledger", "verify", "--json"], env=env,
                                capture_output=True, text=True, timeout=120)
        assert verify.returncode == 0 and json.loads(verify.stdout)["ok"], verify.stdout + verify.stderr
        assert not list((tmp_path / "home" / "work").glob("build-*")), "a builder's scratch folder was left"


def _assert_one_rendition_one_file(env: dict[str, str], db: _Database, master_id: int, got: dict[str, Any],
                                   out: Path) -> None:
    rows = db.renditions(master_id)
    assert [(status, sha256) for status, _, sha256 in rows] == [("ready", got["sha256"])], rows
    media = Path(env["PRESSPLANT_HOME"]) / "media"
    files = [path for path in (media / "renditions").rglob("*") if path.is_file()]
    assert files == [media / rows[0][1]], files
    assert got["status"] == 200 and hashlib.sha256(files[0].read_bytes()).hexdigest() == got["sha256"]
    info = ffprobe(out)
    assert audio_stream(info)["codec_name"] == "mp3" and audio_stream(info)["bit_rate"] == "320000"
    assert abs(float(info["format"]["duration"]) - MASTER_SECONDS) < 0.1


@contextlib.contextmanager
def _download(env: dict[str, str], buyer_id: int, track_id: int, out: Path) -> Iterator[subprocess.Popen[str]]:
    """The buyer's download request, in a process of its own: it writes the body to `out`."""
    client = subprocess.Popen([sys.executable, "-c", DOWNLOAD, str(buyer_id), str(track_id), FORMAT, str(out)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        yield client
    finally:
        if client.poll() is None:
            client.kill()
            client.communicate()


def _environment(home: Path, database_url: str) -> dict[str, str]:
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env |= {"PRESSPLANT_HOME": str(home), "REDIS_URL": REDIS_URL, "DJANGO_SETTINGS_MODULE": "pressplant.settings",
            "PRESSPLANT_RENDITION_LEASE_SECONDS": str(LEASE_SECONDS),
            "PRESSPLANT_CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT_SECONDS),
            "PRESSPLANT_ALLOWED_HOSTS": "testserver", "PRESSPLANT_SECRET_KEY": secrets.token_urlsafe(50),
            "PYTHONFAULTHANDLER": "1"}
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _run_json(env: dict[str, str], code: str, *args: str) -> dict[str, Any]:
    result = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True,
                            timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def _database() -> Iterator[str]:
    """A PostgreSQL database of this test's own when a server is named (dropped afterwards), else "" (SQLite)."""
    if not POSTGRES_URL:
        yield ""
        return
    import psycopg

    name = f"pressplant_worker_loss_{os.getpid()}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(POSTGRES_URL)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class _Database:
    """The store's database read around the ORM, as an operator's SQL prompt would."""

    def __init__(self, env: dict[str, str]) -> None:
        self.url = env.get("DATABASE_URL", "")
        self.sqlite_path = Path(env["PRESSPLANT_HOME"]) / "pressplant.sqlite3"

    def renditions(self, master_id: int) -> list[tuple[str, str, str]]:
        sql = ("SELECT status, storage_key, sha256 FROM delivery_rendition "
               f"WHERE master_id = {int(master_id)} AND format_name = '{FORMAT}' ORDER BY id")
        if self.url:
            import psycopg

            with psycopg.connect(self.url) as db:
                return [tuple(row) for row in db.execute(sql).fetchall()]  # type: ignore[misc]
        with contextlib.closing(sqlite3.connect(self.sqlite_path, timeout=30)) as db:
            return db.execute(sql).fetchall()

    def rendition_states(self, master_id: int) -> list[str]:
        return [status for status, _, _ in self.renditions(master_id)]


class _Worker:
    def __init__(self, name: str, env: dict[str, str], log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        self._log: IO[str] = log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "pressplant.celery", "worker", "--pool", "prefork",
             "--concurrency", "1", "-n", f"{name}@%h", "--loglevel", "INFO", "--without-heartbeat",
             "--without-mingle", "--without-gossip"],
            env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,  # its own process group
        )

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        self._log.close()


@contextlib.contextmanager
def _workers(env: dict[str, str], tmp_path: Path, names: tuple[str, ...]) -> Iterator[dict[str, _Worker]]:
    """Start the workers (they touch the database only when a task comes)."""
    workers = {name: _Worker(name, env, tmp_path / f"{name}.log") for name in names}
    try:
        yield workers
    finally:
        for worker in workers.values():
            worker.stop()


def _wait_until_ready(workers: dict[str, _Worker]) -> None:
    for worker in workers.values():
        _wait_until(lambda w=worker: " ready." in w.log_text() or w.process.poll() is not None, 90,
                    f"worker {worker.name} to start")
        assert worker.process.poll() is None, worker.log_text()[-3000:]


def _wait_for_a_worker_to_take_the_encode(workers: dict[str, _Worker],
                                          client: subprocess.Popen[str]) -> tuple[str, str]:
    """The name of the worker that received the encode task, and the task's id (from its log line)."""
    received = re.compile(re.escape(ENCODE_TASK) + r"\[([0-9a-f-]+)\] received")
    found: dict[str, str] = {}

    def taken() -> bool:
        found.update({name: m.group(1) for name, w in workers.items() if (m := received.search(w.log_text()))})
        return bool(found) or client.poll() is not None

    with contextlib.suppress(AssertionError):
        _wait_until(taken, 60, "a worker to receive the encode")
    if not found:
        if client.poll() is None:
            client.send_signal(signal.SIGABRT)  # faulthandler prints where it hangs
        logs = "\n".join(f"{name}: {w.log_text()[-1500:]}" for name, w in workers.items())
        raise AssertionError(f"no worker took the encode; the download said {client.communicate()}; {logs}")
    assert len(found) == 1, found
    [(name, task_id)] = found.items()
    return name, task_id


def _wait_until(condition: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting {seconds} s for {what}")
        time.sleep(0.05)
