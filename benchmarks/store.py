"""Shared setup of the delivery benchmarks: a throwaway store, synthesized releases, buyers who own them,
the store served by `pressplant serve`, and Debian's nginx beside it (static) or in front of it (X-Accel).

Importing this module sets Django up on PRESSPLANT_HOME (a new temporary folder unless it is set) and on
its database: SQLite there, or DATABASE_URL if set (use an empty database of your own). The served store
gets the same environment, so it sees the same catalogue, buyers and rendition cache.
"""

from __future__ import annotations

import atexit
import io
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
if "PRESSPLANT_HOME" not in os.environ:  # a throwaway store, removed at exit (masters, renditions and all)
    os.environ["PRESSPLANT_HOME"] = tempfile.mkdtemp(prefix="pressplant-bench-")
    Path(os.environ["PRESSPLANT_HOME"]).chmod(0o755)  # started by root, nginx's workers read media as nobody
    atexit.register(shutil.rmtree, os.environ["PRESSPLANT_HOME"], ignore_errors=True)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pressplant.settings")

import django

django.setup()

import numpy as np  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from PIL import Image  # noqa: E402

from pressplant.accounts.actions import issue_token, sign_up  # noqa: E402
from pressplant.accounts.models import Customer  # noqa: E402
from pressplant.audio.formats import FORMATS  # noqa: E402
from pressplant.audio.metadata import TrackTags  # noqa: E402
from pressplant.audio.tags import write_tags  # noqa: E402
from pressplant.catalogue.actions import ingest_tree  # noqa: E402
from pressplant.catalogue.models import Release  # noqa: E402
from pressplant.delivery.actions import evict_renditions  # noqa: E402
from pressplant.delivery.links import download_path  # noqa: E402
from pressplant.demo import MasterSpec, write_master  # noqa: E402
from pressplant.money import Money  # noqa: E402
from pressplant.orders.actions import OrderItem, place_order  # noqa: E402
from pressplant.payments.actions import create_vouchers, redeem_voucher  # noqa: E402
from tests.together import free_port, wait_for_port  # noqa: E402

HOME = Path(settings.HOME)
MEDIA_ROOT = Path(settings.MEDIA_ROOT)
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin") or "nginx"
"""Debian's nginx; run unprivileged in the foreground with its own prefix, never the system's config."""
PRESSPLANT = Path(sys.executable).parent / "pressplant"
CURL = shutil.which("curl") or "curl"
BUYER_PASSWORD = "benchmark pass phrase 7"


def prepare_database() -> None:
    call_command("migrate", verbosity=0, interactive=False)


def machine_line() -> str:
    """CPU model and count, Python, database and storage: what a reader needs to compare runs."""
    model = next((line.split(":", 1)[1].strip() for line in _cpuinfo() if line.startswith("model name")),
                 platform.processor() or "unknown CPU")
    return (f"machine: {platform.machine()}, {os.cpu_count()} CPUs ({model}), "
            f"{platform.python_implementation()} {platform.python_version()}, database {connection.vendor}, "
            f"media on local disk")


def _cpuinfo() -> list[str]:
    try:
        return Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return []


# -- catalogue -------------------------------------------------------------------------------------

def write_album(folder: Path, title: str, seconds: list[float], *, seed: int, cover: bool = True) -> Path:
    """Synthesized, tagged FLAC masters of one release (and a cover.jpg) under `folder`/`title`."""
    album = folder / title
    album.mkdir(parents=True, exist_ok=True)
    if cover:
        (album / "cover.jpg").write_bytes(_cover_jpeg(seed))
    upc = _upc(seed)
    for number, length in enumerate(seconds, start=1):
        path = album / f"{number:02d}.flac"
        write_master(path, MasterSpec(seed=seed * 100 + number, seconds=length))
        tags = TrackTags(title=f"{title} {number}", artists=("Bench Ensemble",), album_artist="Bench Ensemble",
                         album=title, track_number=number, track_total=len(seconds), disc_number=1, disc_total=1,
                         date="2026", genre="Electronic", barcode=upc, label="Benchmark Records",
                         isrc=f"GBPPB26{seed % 100:02d}{number:03d}")
        write_tags(path, FORMATS["flac"], tags, None)
    return album


def _upc(seed: int) -> str:
    """A valid UPC-A (GS1 mod-10 check digit) made from the seed."""
    body = f"50123{seed % 1_000_000:06d}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _cover_jpeg(seed: int) -> bytes:
    """A 1000 px gradient with noise, about the size of a real label's artwork."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0.0, 1.0, 1000)[:, None, None]
    top, bottom = rng.integers(0, 255, 3), rng.integers(0, 255, 3)
    pixels = (top * (1 - ramp) + bottom * ramp).repeat(1000, axis=1) + rng.normal(0, 6, (1000, 1000, 3))
    buffer = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB").save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def ingest(folder: Path, title: str) -> Release:
    report = ingest_tree(folder)
    if report.failed:
        raise RuntimeError(f"ingest failed: {report.as_dict()}")
    return Release.objects.get(title=title)


def empty_rendition_cache() -> int:
    """Evict every cached rendition (rows and files); the number evicted."""
    return len(evict_renditions(0))


# -- buyers ----------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Buyer:
    customer: Customer
    token: str
    """The buyer's API token, sent as `Authorization: Bearer`."""

    @property
    def authorization(self) -> str:
        return f"Bearer {self.token}"


def new_buyer(email: str, top_up: str = "10000.00") -> Buyer:
    """A customer in GB with `top_up` GBP in the wallet (by voucher) and an API token."""
    customer = sign_up(email, BUYER_PASSWORD, "GB")
    redeem_voucher(customer.pk, create_vouchers(Money.parse(top_up, customer.currency), 1, batch="bench")[0])
    return Buyer(customer, issue_token(customer))


def buy(buyer: Buyer, items: list[OrderItem], key: str) -> None:
    place_order(buyer.customer, items, key)


def download_url(base: str, buyer: Buyer, kind: str, item_id: int, format_name: str) -> str:
    """A fresh signed download link of `buyer`'s, as the library page and the API hand them out."""
    return base + download_path(buyer.customer.pk, kind, item_id, format_name)


# -- servers ---------------------------------------------------------------------------------------

def store_env(**extra: str) -> dict[str, str]:
    """This process's environment (PRESSPLANT_HOME, DATABASE_URL...) plus `extra`, for the served store."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(extra)
    return env


@dataclass(frozen=True, slots=True)
class Served:
    base: str
    """http://127.0.0.1:<port>"""
    pid: int

    def cpu_seconds(self) -> float:
        """CPU time used so far by the server and its worker processes (user + system)."""
        return tree_cpu_seconds(self.pid)


@contextmanager
def served_store(*, workers: int = 1, **env: str) -> Iterator[Served]:
    """`pressplant serve` on a free port, on this store, warmed up; stopped on exit."""
    port = free_port()
    server = subprocess.Popen([str(PRESSPLANT), "serve", "--port", str(port), "--workers", str(workers)],
                              env=store_env(**env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        base = f"http://127.0.0.1:{port}"
        for path in ("/healthz", "/"):  # a running store has loaded its views and templates
            urllib.request.urlopen(base + path, timeout=60).close()
        yield Served(base, server.pid)
    finally:
        _stop(server)


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process `pid` and all its descendants alive now (Linux /proc)."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process just ended
            continue
        child = int(stat.parent.name)
        parents[child], ticks[child] = int(fields[1]), int(fields[11]) + int(fields[12])
    tree, grown = {pid}, True
    while grown:
        more = {child for child, parent in parents.items() if parent in tree} - tree
        tree |= more
        grown = bool(more)
    return sum(ticks.get(p, 0) for p in tree) / os.sysconf("SC_CLK_TCK")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


_NGINX_MAIN = """\
daemon off;
worker_processes auto;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    default_type application/octet-stream;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
{http}
    server {{
        listen 127.0.0.1:{port};
{server}
    }}
}}
"""
"""Debian's defaults for static files (sendfile, tcp_nopush), no access log; paths all under `prefix`."""


@dataclass(frozen=True, slots=True)
class NginxSite:
    server: str
    """The inside of the one `server { }` block."""
    http: str = ""
    """More of the `http { }` block (an upstream)."""


def static_site(root: Path) -> NginxSite:
    """nginx serving the files under `root` as they are: the baseline of every download benchmark."""
    return NginxSite(f"        location / {{ root {root}; }}")


def accelerated_front(app_base: str, media_root: Path, internal_prefix: str) -> NginxSite:
    """nginx in front of the store as docs/nginx/pressplant.conf sets it up (without TLS): pages proxied over
    kept-alive connections, ZIPs streamed unbuffered, files sent by nginx on the app's X-Accel-Redirect."""
    upstream = f"    upstream pressplant_app {{ server {app_base.removeprefix('http://')}; keepalive 16; }}"
    server = f"""\
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        location / {{ proxy_pass http://pressplant_app; }}
        location /download/ {{
            proxy_pass http://pressplant_app;
            proxy_buffering off;
            proxy_read_timeout 600s;
        }}
        location {internal_prefix} {{ internal; alias {media_root}/; max_ranges 1; }}"""
    return NginxSite(server, upstream)


@contextmanager
def nginx(site: NginxSite) -> Iterator[Served]:
    """Debian's nginx in the foreground, needing no root (its own prefix, pid, logs and temp paths), serving
    `site`; stopped on exit."""
    if shutil.which(NGINX) is None:
        raise RuntimeError("nginx not found: install Debian's nginx for the baseline")
    prefix = Path(tempfile.mkdtemp(prefix="pressplant-nginx-"))
    prefix.chmod(0o755)
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(_NGINX_MAIN.format(prefix=prefix, port=port, http=site.http, server=site.server))
    server = subprocess.Popen([NGINX, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield Served(f"http://127.0.0.1:{port}", server.pid)
    finally:
        _stop(server)
        shutil.rmtree(prefix, ignore_errors=True)


def nginx_version() -> str:
    result = subprocess.run([NGINX, "-v"], capture_output=True, text=True)
    return (result.stderr or result.stdout).strip().removeprefix("nginx version: ")


# -- clients ---------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Fetched:
    status: int
    size_bytes: int
    bytes_per_second: float
    seconds: float
    first_byte_s: float
    """From the request's start to the first byte of the body (curl's time_starttransfer)."""


def curl(url: str, *, authorization: str = "", output: str = "/dev/null") -> Fetched:
    """One GET by curl (an independent client, the same for every server), the body to `output`."""
    command = [CURL, "-s", "-o", output, "-w",
               "%{http_code} %{size_download} %{speed_download} %{time_total} %{time_starttransfer}"]
    if authorization:
        command += ["-H", f"Authorization: {authorization}"]
    result = subprocess.run([*command, url], capture_output=True, text=True, timeout=600)
    code, size, speed, seconds, first_byte_s = result.stdout.split()
    return Fetched(int(code), int(size), float(speed), float(seconds), float(first_byte_s))


# -- numbers ---------------------------------------------------------------------------------------

def percentile(values: list[float], fraction: float) -> float:
    """The `fraction` quantile (0.95 for p95) by linear interpolation; needs at least two values."""
    return statistics.quantiles(values, n=1000, method="inclusive")[round(fraction * 1000) - 1]


def verdict(ratio: float, target: float, *, at_most: bool = False) -> str:
    met = ratio <= target if at_most else ratio >= target
    return "ok" if met else ("ABOVE" if at_most else "BELOW")
