"""The storefront at scale: release pages and search against a hello-world view served by the same server.

    python benchmarks/storefront.py [--database-url URL] [--releases 100000] [--tracks 1000000] [--regenerate]
                                    [--duration 10] [--connections 16] [--threads 2] [--workers 1] [--repeat 3]

The catalogue (made-up releases, tracks, masters, artists, labels, deals, payees: benchmarks/
storefront_catalogue.py) is written in bulk into --database-url (default PRESSPLANT_BENCH_DATABASE_URL, else
a local PostgreSQL database `pressplant_bench`; sqlite:///file works too) and kept for the next run:
--regenerate drops it and writes it again (use a database of its own: it refuses one holding customers or
other releases). `pressplant serve` then serves the store, with benchmarks/bench_site.py as settings: the
store's own settings and URLs with /hello/ (a plain Django view returning a short text) in front, so both
go through the same gunicorn process, middleware and database settings.

wrk loads release pages, then /hello/, with the same threads, connections and duration, alternating, best
of --repeat each; the ratio is release pages per second over hello-world requests per second (target >=
0.5): how much of the server's request rate a release page keeps. Twice, on two servers:

- pages made afresh (PRESSPLANT_PAGE_CACHE_SECONDS=0), releases picked at random from 5,000: what a page
  costs when it is made (every format of the release and of each track priced);
- pages kept for visitors (not signed in; --cache-seconds), 300 releases each viewed once before the run:
  what a page viewed by anyone in the last minute costs the next visitor.

Then, on the second server, searches for realistic terms (a word or two of titles, artist and label names,
track titles, ISRCs, UPCs) under the same load, requests per second and latency p50/p95/p99, and by one
client alone (latency without queueing).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/pressplant_bench"
KEPT_PAGES = 300

LUA = """
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end
function init(args)
  math.randomseed(seed * 7919 + os.time())
end
function request()
  return wrk.format("GET", paths[math.random(#paths)])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %.0f %.0f %.0f\\n", summary.requests, summary.duration,
    e.status, e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    bad_status: int
    socket_errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def line(self, name: str) -> str:
        errors = f"  ({self.bad_status} non-2xx, {self.socket_errors} socket errors)" if self.failed else ""
        return (f"{name:<16}{self.per_second:9.1f} req/s   p50 {self.p50_ms:7.1f} ms   p95 {self.p95_ms:7.1f} ms   "
                f"p99 {self.p99_ms:7.1f} ms{errors}")

    @property
    def failed(self) -> bool:
        return bool(self.bad_status or self.socket_errors)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("PRESSPLANT_BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--releases", type=int, default=100_000)
    parser.add_argument("--tracks", type=int, default=1_000_000)
    parser.add_argument("--regenerate", action="store_true", help="drop the benchmark database's tables first")
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn worker processes (16 threads each)")
    parser.add_argument("--repeat", type=int, default=3, help="alternating release/hello runs; best of each")
    parser.add_argument("--cache-seconds", type=int, default=60,
                        help="PRESSPLANT_PAGE_CACHE_SECONDS of the second server: how long a visitor's page is kept")
    parser.add_argument("--conn-max-age", type=int, default=600,
                        help="PRESSPLANT_DB_CONN_MAX_AGE of the server: seconds a database connection is kept")
    return parser.parse_args()


def _ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in `url` if the server does not have it yet."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        return
    with psycopg.connect(host=config["HOST"] or None, port=config["PORT"] or None, user=config["USER"] or None,
                         password=config["PASSWORD"] or None, dbname="postgres", autocommit=True) as server:
        if server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone() is None:
            server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))


def _setup_django(args: argparse.Namespace) -> None:
    _ensure_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("PRESSPLANT_HOME", tempfile.mkdtemp(prefix="pressplant-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench_site"
    os.environ["PRESSPLANT_DB_CONN_MAX_AGE"] = str(args.conn_max_age)
    sys.path[:0] = [str(BENCH_DIR), str(ROOT)]
    import django

    django.setup()


def _is_benchmark_database() -> bool:
    """Empty, or nothing but a generated catalogue: the only kind --regenerate may drop."""
    from django.db import connection
    from storefront_catalogue import COVER_KEY

    tables = set(connection.introspection.table_names())
    if not tables:
        return True
    if not {"catalogue_release", "accounts_customer"} <= tables:
        return False
    from pressplant.accounts.models import Customer
    from pressplant.catalogue.models import Release

    return not Customer.objects.exists() and not Release.objects.exclude(cover_key=COVER_KEY).exists()


def _drop_everything() -> None:
    from django.db import connection

    if not _is_benchmark_database():
        sys.exit("refusing to regenerate: the database holds customers or releases the benchmark did not make")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        return
    path = Path(connection.settings_dict["NAME"])
    connection.close()
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)


def _catalogue(args: argparse.Namespace) -> str:
    """Migrate, then reuse the catalogue if it has the asked size, or write it into an empty database."""
    from django.core.management import call_command
    from django.db import connection
    from storefront_catalogue import generate

    from pressplant.catalogue.models import Release, Track

    if args.regenerate:
        _drop_everything()
    call_command("migrate", verbosity=0)
    found = (Release.objects.count(), Track.objects.count())
    if found == (args.releases, args.tracks):
        return "reused"
    if found != (0, 0):
        sys.exit(f"the database holds {found[0]:,} releases and {found[1]:,} tracks, not {args.releases:,} and "
                 f"{args.tracks:,}: pass --regenerate (or another --database-url)")
    started = time.perf_counter()
    generate(args.releases, args.tracks)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return f"written in {time.perf_counter() - started:.0f} s"


def _write_cover() -> None:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from storefront_catalogue import COVER_KEY

    if not default_storage.exists(COVER_KEY):
        default_storage.save(COVER_KEY, ContentFile(b"\xff\xd8\xff\xe0" + bytes(60_000) + b"\xff\xd9"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=60) as response:
        return str(response.read().decode())


@contextlib.contextmanager
def _server(args: argparse.Namespace, log: Path, cache_seconds: int) -> Iterator[str]:
    """`pressplant serve` under the benchmark's settings; its base URL once /hello/ answers."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(BENCH_DIR), str(ROOT)]),
           "PRESSPLANT_PAGE_CACHE_SECONDS": str(cache_seconds)}
    command = [sys.executable, "-m", "pressplant.cli", "serve", "--port", str(port), "--workers", str(args.workers)]
    with log.open("wb") as output:
        server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=output)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                _get(f"{base}/hello/")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"the server did not start; its log:\n{log.read_text()[-3000:]}")
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _release_paths(count: int, chance: random.Random) -> list[str]:
    """`count` releases on sale, picked at random."""
    from pressplant.catalogue.models import Release

    ids = list(Release.objects.on_sale().values_list("pk", flat=True))
    return [f"/releases/{pk}/" for pk in chance.sample(ids, min(count, len(ids)))]


def _search_terms(count: int, chance: random.Random) -> list[str]:
    """What people type: a word or two of a title, an artist, a label, a track title, an ISRC, a UPC."""
    from pressplant.catalogue.models import Label, Release, Track

    top = Release.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    picks = [chance.randint(1, top) for _ in range(count)]
    releases = {r.pk: r for r in Release.objects.filter(pk__in=picks).only("title", "artist_display", "upc",
                                                                             "label_id")}
    tracks = {t.release_id: t for t in Track.objects.filter(release__in=releases, position=1).only("title", "isrc")}
    labels = dict(Label.objects.values_list("pk", "name"))
    terms = []
    for pk in picks:
        release = releases.get(pk)
        if release is None or pk not in tracks:
            continue
        roll = chance.random()
        words = release.title.lower().split()
        if roll < 0.30:
            term = chance.choice(words)
        elif roll < 0.45:
            term = " ".join(words[:2])
        elif roll < 0.65 and release.artist_display != "Various Artists":
            term = release.artist_display.split(" & ")[0]
        elif roll < 0.75 and release.label_id:
            term = labels[release.label_id]
        elif roll < 0.85:
            term = chance.choice(tracks[pk].title.lower().split())
        elif roll < 0.95:
            term = tracks[pk].isrc
        else:
            term = release.upc
        terms.append(term)
    return terms


def _lua(directory: Path, name: str, paths: list[str]) -> Path:
    script = directory / f"{name}.lua"
    quoted = ",\n".join(f'  "{path}"' for path in paths)
    script.write_text(f"paths = {{\n{quoted}\n}}\n{LUA}")
    return script


def _wrk(base: str, script: Path, args: argparse.Namespace, *, connections: int, threads: int) -> Load:
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{args.duration}s", "--timeout", "30s",
               "-s", str(script), base]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    found = re.search(r"^RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$", output, re.M)
    if found is None:
        sys.exit(f"wrk said:\n{output}")
    requests, micros, status, sockets, p50, p95, p99 = (int(v) for v in found.groups())
    return Load(requests, micros / 1e6, status, sockets, p50 / 1000, p95 / 1000, p99 / 1000)


def _page_profile(path: str) -> str:
    """One release page made in this process (nothing kept): SQL queries, size and time (median of 20)."""
    from django.db import connection
    from django.test import Client

    queries = []
    client = Client(HTTP_HOST="127.0.0.1")

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        page = client.get(path)
    assert page.status_code == 200, page.status_code
    took = []
    for _ in range(20):
        started = time.perf_counter()
        client.get(path)
        took.append(time.perf_counter() - started)
    return (f"{len(queries)} SQL queries, {len(page.content) / 1000:.0f} KB, "
            f"{statistics.median(took) * 1000:.1f} ms in-process (median of 20)")


def _machine(args: argparse.Namespace) -> str:
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        version = cursor.fetchone()[0]
    return (f"machine: {platform.machine()}, {os.cpu_count()} cores, CPython {platform.python_version()}, "
            f"Django {django.get_version()}, {connection.vendor} {version}; gunicorn {args.workers} worker(s) x "
            f"16 threads; wrk {args.threads} threads, {args.connections} connections, {args.duration} s a run")


def _compare(base: str, release: Path, hello: Path, args: argparse.Namespace) -> tuple[Load, Load]:
    """Release pages and hello world alternately, --repeat times, after a warm-up; the best of each."""
    load = {"connections": args.connections, "threads": args.threads}
    _wrk(base, release, argparse.Namespace(duration=3), **load)  # warm-up: code paths, caches, connections
    runs: dict[Path, list[Load]] = {release: [], hello: []}
    for _ in range(args.repeat):
        for script in runs:
            runs[script].append(_wrk(base, script, args, **load))
    pages, hellos = (max(runs[script], key=lambda lo: lo.per_second) for script in (release, hello))
    if any(lo.failed for loads in runs.values() for lo in loads):
        sys.exit(f"some requests failed:\n{pages.line('release pages')}\n{hellos.line('hello world')}")
    return pages, hellos


def _report(title: str, pages: Load, hellos: Load) -> None:
    ratio = pages.per_second / hellos.per_second
    print(title)
    print("  " + pages.line("release pages"))
    print("  " + hellos.line("hello world"))
    print(f"  ratio {ratio:.3f}  target >= 0.5  {'ok' if ratio >= 0.5 else 'BELOW'}")


def main() -> None:
    args = _arguments()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    os.environ["PRESSPLANT_PAGE_CACHE_SECONDS"] = "0"  # this process profiles a page made afresh
    _setup_django(args)
    how = _catalogue(args)
    _write_cover()
    print(_machine(args))
    print(f"catalogue: {args.releases:,} releases, {args.tracks:,} tracks ({how})")
    chance = random.Random(2026)
    random_paths = _release_paths(5_000, chance)
    kept_paths = random_paths[:KEPT_PAGES]
    search_paths = [f"/search/?{urllib.parse.urlencode({'q': t})}" for t in _search_terms(2_000, chance)]
    print(f"release page: {_page_profile(random_paths[0])}")
    with tempfile.TemporaryDirectory(prefix="pressplant-bench-") as work:
        scripts = {name: _lua(Path(work), name, paths) for name, paths in (
            ("random", random_paths), ("kept", kept_paths), ("hello", ["/hello/"]), ("search", search_paths))}
        with _server(args, Path(work) / "fresh.log", cache_seconds=0) as base:
            assert "Buy the whole release" in _get(base + random_paths[0])
            fresh = _compare(base, scripts["random"], scripts["hello"], args)
        with _server(args, Path(work) / "kept.log", cache_seconds=args.cache_seconds) as base:
            for path in kept_paths:  # each viewed once: the run finds them kept
                _get(base + path)
            kept = _compare(base, scripts["kept"], scripts["hello"], args)
            searched = _wrk(base, scripts["search"], args, connections=args.connections, threads=args.threads)
            alone = _wrk(base, scripts["search"], args, connections=1, threads=1)
    _report("pages made afresh (PRESSPLANT_PAGE_CACHE_SECONDS=0), releases picked at random:", *fresh)
    _report(f"pages kept for visitors ({args.cache_seconds} s), {KEPT_PAGES} releases viewed once before:", *kept)
    print(searched.line("search"))
    print(alone.line("search, 1 client"))
    if searched.failed or alone.failed:
        sys.exit("some searches failed: see the lines above")


if __name__ == "__main__":
    main()
