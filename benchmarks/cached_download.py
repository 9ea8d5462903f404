"""Cached download throughput on loopback: the store streaming a file itself, against nginx serving it.

    python benchmarks/cached_download.py [--seconds 600] [--format wav] [--runs 5]

Synthesizes one --seconds master, ingests it into a throwaway store (temporary PRESSPLANT_HOME, SQLite;
DATABASE_URL if set), buys the track in --format and encodes its rendition once, so it is cached. Then the
same client (curl -o /dev/null, one connection) downloads that very file, --runs times each, alternating:

- app: from `pressplant serve` on its own (the embedded setup: the app checks the link and streams the
  bytes itself), with the buyer's API token;
- nginx: Debian's nginx serving the rendition's file statically (sendfile, no checks): the baseline;
- x-accel: nginx in front of `pressplant serve` with PRESSPLANT_X_ACCEL_REDIRECT_PREFIX set (the scale-out
  setup): the app checks the link, nginx sends the file.

Every download is checked (status 200, every byte; the first of each also by SHA-256). The median MB/s of
each (MB = 10^6 bytes) and its ratio to nginx's are printed; target for the app >= 0.9. A ratio of 1.0
means the app delivers a cached file as fast as a static web server; loopback leaves no network to hide
behind, so this is the worst case: on a real link the wire, not the server, sets the pace. The CPU time
the serving processes spent per GB sent hardly moves when other work shares the machine, so it still
compares the servers when the MB/s do not; the last column, the median time to the first byte, is what the
app's check of each request (link, buyer, entitlement, cached file) adds before the bytes flow.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import store  # first: it sets Django up
from pressplant.catalogue.models import Track
from pressplant.delivery.cache import get_or_create_rendition
from pressplant.delivery.models import Rendition
from pressplant.orders.actions import OrderItem

TITLE = "Long Player"
ACCEL_PREFIX = "/protected-media/"


def cached_track(seconds: float, format_name: str) -> tuple[store.Buyer, Track, Rendition]:
    """One bought track whose rendition in `format_name` is cached."""
    started = time.perf_counter()
    release = store.ingest(store.write_album(store.HOME / "masters", TITLE, [seconds], seed=8), TITLE)
    track = release.tracks.select_related("release", "master").get()
    buyer = store.new_buyer("listener@bench.test")
    store.buy(buyer, [OrderItem(format_name, track_id=track.pk)], "cached-download")
    rendition = get_or_create_rendition(track, format_name)
    print(f"synthesized, ingested and encoded a {seconds:.0f} s track in {time.perf_counter() - started:.0f} s")
    return buyer, track, rendition


@dataclass(frozen=True, slots=True)
class Server:
    """One way of serving the file: how to fetch it (to a path) and whose CPU time sends it."""

    fetch: Callable[[str], store.Fetched]
    processes: tuple[store.Served, ...]

    def cpu_seconds(self) -> float:
        return sum(process.cpu_seconds() for process in self.processes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=600.0, help="length of the track (default 600)")
    parser.add_argument("--format", default="wav", help="format of the cached rendition (default wav)")
    parser.add_argument("--runs", type=int, default=5, help="downloads from each server, alternating")
    args = parser.parse_args()
    store.prepare_database()
    buyer, track, rendition = cached_track(args.seconds, args.format)
    with (store.served_store() as app, store.served_store(PRESSPLANT_X_ACCEL_REDIRECT_PREFIX=ACCEL_PREFIX) as behind,
          store.nginx(store.static_site(store.MEDIA_ROOT)) as static,
          store.nginx(store.accelerated_front(behind.base, store.MEDIA_ROOT, ACCEL_PREFIX)) as front):
        def from_store(base: str) -> Callable[[str], store.Fetched]:
            url = store.download_url(base, buyer, "track", track.pk, args.format)
            return lambda out: store.curl(url, authorization=buyer.authorization, output=out)

        servers = {
            "app": Server(from_store(app.base), (app,)),
            "nginx": Server(lambda out: store.curl(f"{static.base}/{rendition.storage_key}", output=out), (static,)),
            "x-accel": Server(from_store(front.base), (front, behind)),
        }
        _check_bytes(servers, rendition)
        runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in servers}
        for _ in range(args.runs):  # alternating, so a busy moment of the machine hits every server alike
            for name, server in servers.items():
                runs[name].append(_timed(server, rendition))
    _report(args, store.MEDIA_ROOT / rendition.storage_key, runs)
    return 0


def _timed(server: Server, rendition: Rendition) -> tuple[float, float, float]:
    """One download to /dev/null: (MB/s, server CPU seconds per GB, milliseconds to the first byte)."""
    cpu_seconds = server.cpu_seconds()
    fetched = server.fetch("/dev/null")
    cpu_seconds = server.cpu_seconds() - cpu_seconds
    if (fetched.status, fetched.size_bytes) != (200, rendition.size_bytes):
        raise RuntimeError(f"{fetched.status}, {fetched.size_bytes} of {rendition.size_bytes} bytes")
    return fetched.bytes_per_second / 1e6, cpu_seconds / (fetched.size_bytes / 1e9), fetched.first_byte_s * 1000


def _check_bytes(servers: dict[str, Server], rendition: Rendition) -> None:
    """One download from each, read back: the very bytes of the cached rendition, or no benchmark."""
    with tempfile.TemporaryDirectory(prefix="pressplant-bench-") as work:
        for name, server in servers.items():
            out = Path(work) / name
            server.fetch(str(out))
            with out.open("rb") as fh:
                if hashlib.file_digest(fh, "sha256").hexdigest() != rendition.sha256:
                    raise RuntimeError(f"{name}: the downloaded file differs from the rendition")
            out.unlink()


def _report(args: argparse.Namespace, file: Path, runs: dict[str, list[tuple[float, float, float]]]) -> None:
    print(store.machine_line())
    print(f"file: a cached {args.format} rendition of {args.seconds:.0f} s, {file.stat().st_size / 1e6:.1f} MB; "
          f"client: curl, one connection; {args.runs} runs each, alternating; nginx {store.nginx_version()} "
          f"(sendfile on, tcp_nopush on)")
    speeds = {name: [speed for speed, _, _ in values] for name, values in runs.items()}
    baseline = statistics.median(speeds["nginx"])
    print(f"{'server':<10}{'median MB/s':>13}{'best MB/s':>11}{'ratio':>8}{'server CPU s/GB':>17}{'first byte ms':>15}")
    for name, values in runs.items():
        median = statistics.median(speeds[name])
        cpu = statistics.median(cpu for _, cpu, _ in values)
        first_byte_ms = statistics.median(first for _, _, first in values)
        print(f"{name:<10}{median:>13.0f}{max(speeds[name]):>11.0f}{median / baseline:>8.3f}{cpu:>17.2f}"
              f"{first_byte_ms:>15.1f}")
    app, accel = statistics.median(speeds["app"]) / baseline, statistics.median(speeds["x-accel"]) / baseline
    print(f"app (embedded, streams itself) / nginx static      {app:.3f}  target >= 0.9  {store.verdict(app, 0.9)}")
    print(f"x-accel (nginx in front of the app) / nginx static  {accel:.3f}  target >= 0.9  "
          f"{store.verdict(accel, 0.9)}")


if __name__ == "__main__":
    sys.exit(main())
