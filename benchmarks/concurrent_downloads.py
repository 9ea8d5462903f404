"""200 concurrent downloads on loopback while the storefront's page latency is measured.

    python benchmarks/concurrent_downloads.py [--clients 200] [--downloads 1000] [--time-limit 60]
                                              [--seconds 240] [--format mp3-320] [--buyers 20]
                                              [--setups embedded,x-accel]

Synthesizes one --seconds track, ingests it into a throwaway store (temporary PRESSPLANT_HOME, SQLite;
DATABASE_URL if set), has --buyers buyers (each with an API token) buy it in --format and encodes the
rendition once, so every download is a cache hit. Then, for each setup:

- embedded: `pressplant serve` alone (one process, its threads) streams the files itself;
- x-accel: the scale-out setup, nginx in front of `pressplant serve` with PRESSPLANT_X_ACCEL_REDIRECT_PREFIX:
  the app checks each link, nginx sends the file;

first a probe client asks for the home page and the release page one after another with no other load
(the baseline), then curl runs --downloads downloads with --clients at a time (each with its buyer's
Bearer token, each limited to --time-limit seconds) while the probe keeps asking. A download is an error
when its status is not 200, its body is short, or it times out; the target is none. The probe's p50/p95
under load and their ratio to the unloaded p95 say how much the downloads slow the shop's pages.
"""

from __future__ import annotations

import argparse
import http.client
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import store  # first: it sets Django up
from pressplant.catalogue.models import Release, Track
from pressplant.delivery.cache import get_or_create_rendition
from pressplant.orders.actions import OrderItem

TITLE = "Crowd Pleaser"
ACCEL_PREFIX = "/protected-media/"
IDLE_PROBES = 40


@dataclass(slots=True)
class Probe:
    """Storefront pages asked for one after another, their latencies in seconds, until stopped."""

    base: str
    paths: tuple[str, ...]
    timeout_seconds: float
    seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def ask(self, path: str) -> None:
        parts = urlsplit(self.base)
        connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port,
                                                timeout=self.timeout_seconds)
        started = time.perf_counter()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            if response.status != 200 or not body:
                self.errors.append(f"{path}: {response.status}")
            else:
                self.seconds.append(time.perf_counter() - started)
        except OSError as exc:
            self.errors.append(f"{path}: {exc}")
        finally:
            connection.close()

    def run(self, count: int | None = None) -> None:
        asked = 0
        while not self.stop.is_set() and (count is None or asked < count):
            self.ask(self.paths[asked % len(self.paths)])
            asked += 1


@dataclass(frozen=True, slots=True)
class Crowd:
    downloads: int
    errors: list[str]
    seconds: float
    bytes_total: int
    download_seconds: list[float]


def run_crowd(urls: list[tuple[str, str]], clients: int, time_limit: float, size_bytes: int) -> Crowd:
    """curl, `clients` transfers at a time, every (url, authorization) once; each checked."""
    with tempfile.NamedTemporaryFile("w", suffix=".curl", delete=False) as config:
        config.write("next\n".join(  # one section per transfer: its URL, header, limit and report
            f'url = "{url}"\noutput = "/dev/null"\nheader = "Authorization: {authorization}"\n'
            f'max-time = {time_limit:.0f}\nwrite-out = "%{{http_code}} %{{size_download}} %{{time_total}} '
            '%{exitcode}\\n"\n' for url, authorization in urls))
    started = time.perf_counter()
    try:
        result = subprocess.run([store.CURL, "--silent", "--parallel", "--parallel-immediate", "--parallel-max",
                                 str(clients), "-K", config.name], capture_output=True, text=True,
                                timeout=time_limit + 30)
        output = result.stdout
    except subprocess.TimeoutExpired as exc:
        output = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
    seconds = time.perf_counter() - started
    Path(config.name).unlink()
    errors, times, total = [], [], 0
    for line in output.splitlines():
        code, size, took, exit_code = line.split()
        total += int(size)
        times.append(float(took))
        if (code, int(size), exit_code) != ("200", size_bytes, "0"):
            errors.append(f"status {code}, {size} of {size_bytes} bytes, curl exit {exit_code}")
    errors += ["never finished"] * (len(urls) - len(times))
    return Crowd(len(times), errors, seconds, total, times)


@contextmanager
def setup(name: str) -> Iterator[str]:
    """The store in one of its two setups; yields the base URL buyers and the probe use."""
    with ExitStack() as stack:
        if name == "embedded":
            yield stack.enter_context(store.served_store()).base
        elif name == "x-accel":
            app = stack.enter_context(store.served_store(PRESSPLANT_X_ACCEL_REDIRECT_PREFIX=ACCEL_PREFIX))
            front = store.accelerated_front(app.base, store.MEDIA_ROOT, ACCEL_PREFIX)
            yield stack.enter_context(store.nginx(front)).base
        else:
            raise SystemExit(f"unknown setup {name!r}: embedded or x-accel")


def prepare(args: argparse.Namespace) -> tuple[Release, Track, list[store.Buyer], int]:
    started = time.perf_counter()
    release = store.ingest(store.write_album(store.HOME / "masters", TITLE, [args.seconds], seed=9), TITLE)
    track = release.tracks.select_related("release", "master").get()
    buyers = [store.new_buyer(f"fan{n}@bench.test") for n in range(args.buyers)]
    for n, buyer in enumerate(buyers):
        store.buy(buyer, [OrderItem(args.format, track_id=track.pk)], f"crowd-{n}")
    size_bytes = get_or_create_rendition(track, args.format).size_bytes or 0
    print(f"synthesized and ingested a {args.seconds:.0f} s track, {args.buyers} buyers bought it, "
          f"{args.format} cached ({size_bytes / 1e6:.1f} MB) in {time.perf_counter() - started:.0f} s")
    return release, track, buyers, size_bytes


def measure(name: str, args: argparse.Namespace, release: Release, track: Track, buyers: list[store.Buyer],
            size_bytes: int) -> bool:
    with setup(name) as base:
        pages = ("/", f"/releases/{release.pk}/")
        idle = Probe(base, pages, args.time_limit)
        idle.run(IDLE_PROBES)
        loaded = Probe(base, pages, args.time_limit)
        prober = threading.Thread(target=loaded.run, name="probe")
        urls = [(store.download_url(base, buyer, "track", track.pk, args.format), buyer.authorization)
                for buyer in (buyers[n % len(buyers)] for n in range(args.downloads))]
        prober.start()
        crowd = run_crowd(urls, args.clients, args.time_limit, size_bytes)
        loaded.stop.set()
        prober.join()
    _report(name, args, crowd, idle, loaded)
    return not crowd.errors and not idle.errors and not loaded.errors


def _report(name: str, args: argparse.Namespace, crowd: Crowd, idle: Probe, loaded: Probe) -> None:
    def p(values: list[float], fraction: float) -> float:
        return store.percentile(values, fraction) * 1000 if len(values) > 1 else float("nan")

    print(f"{name}: {crowd.downloads} of {args.downloads} downloads, {args.clients} at a time, in "
          f"{crowd.seconds:.1f} s, {crowd.bytes_total / crowd.seconds / 1e6:.0f} MB/s in all; "
          f"each took p50 {p(crowd.download_seconds, 0.5) / 1000:.2f} s, p95 "
          f"{p(crowd.download_seconds, 0.95) / 1000:.2f} s; errors {len(crowd.errors)} (target 0) "
          f"{'ok' if not crowd.errors else 'FAILED: ' + '; '.join(sorted(set(crowd.errors))[:3])}")
    print(f"{name}: storefront pages, no load: p50 {p(idle.seconds, 0.5):.0f} ms, p95 {p(idle.seconds, 0.95):.0f} ms "
          f"({len(idle.seconds)} pages); under load: p50 {p(loaded.seconds, 0.5):.0f} ms, "
          f"p95 {p(loaded.seconds, 0.95):.0f} ms ({len(loaded.seconds)} pages, {len(loaded.errors)} errors)")
    ratio = p(loaded.seconds, 0.95) / p(idle.seconds, 0.95)
    print(f"{name}: page p95 under load / p95 without  {ratio:.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=200, help="downloads at a time (curl allows up to 300)")
    parser.add_argument("--downloads", type=int, default=1000, help="downloads in all")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds any one download may take")
    parser.add_argument("--seconds", type=float, default=240.0, help="length of the track (default 240)")
    parser.add_argument("--format", default="mp3-320")
    parser.add_argument("--buyers", type=int, default=20)
    parser.add_argument("--setups", default="embedded,x-accel")
    args = parser.parse_args()
    store.prepare_database()
    release, track, buyers, size_bytes = prepare(args)
    print(store.machine_line())
    results = [measure(name, args, release, track, buyers, size_bytes) for name in args.setups.split(",") if name]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
