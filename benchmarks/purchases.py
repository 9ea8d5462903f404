"""Purchases per second on PostgreSQL against pgbench's tpcb-like transactions on the same server.

    DATABASE_URL=postgres://USER@HOST:5432/NAME python benchmarks/purchases.py [--clients 8] [--seconds 30]

Builds a store in DATABASE_URL's database (created if missing; it must hold no orders, or pass --recreate
to drop and make it again): --labels labels, each with an agreement, releases licensed by DDEX-style deals
(half priced per track by a price code and its tier, half by the label's percentage), artist splits and
price rules, so every sale posts VAT, the label, its artists, the mechanical and the store's margin; and
--buyers-per-client funded buyers per client in six countries and three currencies, their wallets topped
up by redeeming vouchers. One client alone first buys --serial tracks to give milliseconds and queries per
purchase. Then the baseline: `pgbench -i -s --scale` into NAME_pgbench on the same server and `pgbench -b
tpcb-like -c C -j C -T --seconds`, its tps without connection time. Then C client processes each place
one-track orders through `place_order` (a fresh Idempotency-Key each, a track the buyer does not own yet)
for --seconds. The ratio is purchases per second / pgbench tps (target >= 0.25): a purchase is one
read-check-write transaction like tpcb-like's, with more rows (order, line, entitlement, entry, postings,
sale parts, six or seven balances). For both runs the CPU per transaction is split between the client
processes and, when the server is on this machine, the rest of the machine (PostgreSQL): where the time goes.
Last, the check: the ledger verifies, the orders written equal the purchases the clients counted, and the
wallets fell by exactly the orders' totals.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import random
import re
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pressplant.settings")
if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
    sys.exit("set DATABASE_URL to a PostgreSQL database (postgres://USER@HOST:PORT/NAME): this benchmark is "
             "about PostgreSQL")

import django
import psycopg

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.db.models import Count, Sum  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from pressplant.accounts.countries import COUNTRIES  # noqa: E402
from pressplant.accounts.models import Customer  # noqa: E402
from pressplant.catalogue.models import Label, Master, Release, Track  # noqa: E402
from pressplant.ledger.actions import balance, verify_ledger  # noqa: E402
from pressplant.money import Money  # noqa: E402
from pressplant.orders.actions import OrderItem, place_order  # noqa: E402
from pressplant.orders.models import Order, OrderLine, SalePart  # noqa: E402
from pressplant.payments.actions import create_vouchers, redeem_voucher  # noqa: E402
from pressplant.pricing.models import PriceRule  # noqa: E402
from pressplant.rights.models import Deal, LabelAgreement, Licence, Payee, PriceTier, RoyaltySplit  # noqa: E402

COUNTRIES_BOUGHT_IN = ("GB", "GB", "DE", "FR", "US", "US", "IE", "NL")
"""Where the buyers live, in proportion: three currencies, six VAT and mechanical regimes."""
FORMATS = ("mp3-320", "mp3-v0", "flac", "aac-256", "opus-160", "alac")
TRACK_PRICES = {"GBP": 99, "EUR": 119, "USD": 129}
TIER_WHOLESALE = {"GBP": 55, "EUR": 66, "USD": 72}
TOP_UP_MAJOR = 2_000
KEY_PREFIX = "bench:"
T = TypeVar("T")


@dataclass(frozen=True)
class Assignment:
    """What one client process buys: its buyers, and the tracks on sale to each."""

    client: int
    buyers: tuple[int, ...]
    tracks: tuple[int, ...]


def _database() -> tuple[dict[str, str], str]:
    """The server's connection parameters (for psql-like tools) and the benchmark database's name."""
    url = urlsplit(os.environ["DATABASE_URL"])
    params = {"host": url.hostname or "", "port": str(url.port or 5432), "user": unquote(url.username or "")}
    if url.password:
        params["password"] = unquote(url.password)
    return params, url.path.lstrip("/")


def _busy_cpu_s() -> float | None:
    """CPU seconds this machine's CPUs have been busy since boot (/proc/stat), or None without /proc."""
    try:
        ticks = [int(field) for field in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except OSError:
        return None
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait


def _children_cpu_s() -> float:
    """CPU seconds of this process's finished children (the client processes, pgbench)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class CpuSplit:
    """Where a run's CPU went: the clients' processes, and the rest of the machine (the server)."""

    clients_s: float
    rest_s: float | None

    def line(self, per: str, count: int) -> str:
        clients = f"{self.clients_s * 1000 / count:.2f} ms in the clients"
        if self.rest_s is None or not _server_is_local():
            return f"CPU per {per}: {clients}"
        return f"CPU per {per}: {clients}, {self.rest_s * 1000 / count:.2f} ms in the rest of the machine (PostgreSQL)"


def _server_is_local() -> bool:
    params, _ = _database()
    return params["host"] in ("", "localhost", "127.0.0.1", "::1") or params["host"].startswith("/")


def _measured(run: Callable[[], T]) -> tuple[T, CpuSplit]:
    """`run`'s result, and the CPU its children and the rest of the machine spent meanwhile."""
    busy, children, own = _busy_cpu_s(), _children_cpu_s(), time.process_time()
    result = run()
    clients = _children_cpu_s() - children
    after = _busy_cpu_s()
    rest = None if busy is None or after is None else after - busy - clients - (time.process_time() - own)
    return result, CpuSplit(clients, rest)


def _admin(sql: str) -> None:
    """Run `sql` on the server's maintenance database (CREATE/DROP DATABASE cannot run inside one)."""
    params, _ = _database()
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:  # type: ignore[arg-type]
        admin.execute(sql)


def _prepare_database(recreate: bool) -> None:
    params, name = _database()
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:  # type: ignore[arg-type]
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    if exists and recreate:
        _admin(f'DROP DATABASE "{name}" WITH (FORCE)')
    if not exists or recreate:
        _admin(f'CREATE DATABASE "{name}"')
    call_command("migrate", verbosity=0)
    if Order.objects.exists():
        sys.exit(f"database {name} already holds orders: pass --recreate (drops it) or name an empty one")


def _catalogue(labels: int, releases_per_label: int, tracks_per_release: int) -> list[Track]:
    """Labels with agreements, licensed releases with deals and splits, tracks with masters (no audio)."""
    chance = random.Random(2026)
    tracks = []
    for n in range(labels):
        label = Label.objects.create(name=f"Bench Label {n}")
        payee = Payee.objects.create(code=f"bench-label-{n}", name=label.name, kind=Payee.Kind.LABEL, label=label)
        LabelAgreement.objects.create(label=label, payee=payee, share_rate=Decimal("0.65") + Decimal(n % 3) / 100)
        sender = f"PADPIDABENCH{n:04d}"
        for currency, wholesale_minor in TIER_WHOLESALE.items():
            PriceTier.objects.create(sender_party_id=sender, code="FRONTLINE", currency=currency,
                                     wholesale_minor=wholesale_minor)
            PriceRule.objects.create(label=label, currency=currency, pricing_model=PriceRule.Model.PER_TRACK,
                                     track_price_minor=TRACK_PRICES[currency],
                                     album_price_minor=9 * TRACK_PRICES[currency])
        for r in range(releases_per_label):
            tracks += _release(label, payee, sender, n * releases_per_label + r, tracks_per_release, chance)
    return tracks


def _release(label: Label, label_payee: Payee, sender: str, number: int, track_count: int,
             chance: random.Random) -> list[Track]:
    """One release: its tracks, its licence and deals (per track by a price code, or for the whole release
    without a price, so the label's percentage applies), and its split between the label and two artists."""
    release = Release.objects.create(title=f"Bench Release {number}", artist_display=f"Bench Artist {number}",
                                     label=label, release_date=date(2025, 1, 1))
    tracks = []
    for position in range(1, track_count + 1):
        seconds = chance.randrange(150, 420)
        master = Master.objects.create(
            sha256=f"{number:032d}{position:032d}", storage_key=f"bench/{number}/{position}.flac",
            original_name=f"{position:02d}.flac", size_bytes=seconds * 100_000, codec="FLAC", container="flac",
            sample_rate_hz=44_100, bit_depth=16, channels=2, duration_samples=seconds * 44_100,
            integrated_lufs=-14.0, true_peak_dbtp=-1.0, probe={"audio_bytes": seconds * 95_000})
        tracks.append(Track.objects.create(release=release, position=position, title=f"Track {position}",
                                           artist_display=release.artist_display, master=master,
                                           duration_ms=seconds * 1000))
    Licence.objects.create(release=release, source=Licence.Source.DDEX, sender_party_id=sender)
    terms = {"commercial_model_types": ["PayAsYouGoModel"], "use_types": ["PermanentDownload"],
             "territory_codes": ["Worldwide"], "start_date": date(2025, 1, 1)}
    if number % 2 == 0:
        Deal.objects.bulk_create([Deal(release=release, track=track, price_code="FRONTLINE",
                                       price_code_namespace=sender, **terms) for track in tracks])
    else:
        Deal.objects.create(release=release, **terms)
    artists = [Payee.objects.create(code=f"bench-artist-{number}-{k}", name=f"Bench Artist {number} ({k})",
                                    kind=Payee.Kind.ARTIST, label=label) for k in (1, 2)]
    for payee, basis_points in ((label_payee, 5_000), (artists[0], 3_000), (artists[1], 2_000)):
        RoyaltySplit.objects.create(release=release, payee=payee, basis_points=basis_points)
    return tracks


def _buyers(count: int) -> list[Customer]:
    """Buyers in COUNTRIES_BOUGHT_IN, each wallet topped up by redeeming a voucher (the real payments path)."""
    buyers = []
    for n in range(count):
        country = COUNTRIES_BOUGHT_IN[n % len(COUNTRIES_BOUGHT_IN)]
        user = User.objects.create_user(f"buyer{n}@bench.test", f"buyer{n}@bench.test")
        customer = Customer.objects.create(user=user, country=country, currency=COUNTRIES[country].currency)
        code = create_vouchers(Money(TOP_UP_MAJOR * 100, customer.currency), 1, batch="bench")[0]
        redeem_voucher(customer.pk, code)
        buyers.append(customer)
    return buyers


def _purchases(assignment: Assignment, seed: int) -> Iterator[tuple[Customer, list[OrderItem], str]]:
    """Endless (buyer, one track in one format, key): every buyer buys each track once, in random order."""
    chance = random.Random(seed)
    customers = Customer.objects.in_bulk(assignment.buyers)
    number = 0
    for buyer_id in assignment.buyers:
        tracks = list(assignment.tracks)
        chance.shuffle(tracks)
        for track_id in tracks:
            number += 1
            item = OrderItem(chance.choice(FORMATS), track_id=track_id)
            yield customers[buyer_id], [item], f"{KEY_PREFIX}{assignment.client}:{seed}:{number}"
    raise RuntimeError(f"client {assignment.client} ran out of purchases: raise --buyers-per-client")


def _client(assignment: Assignment, starts_at: float, seconds: float, results: multiprocessing.Queue) -> None:
    """One client process: buy until the time is up; report (purchases, errors, when the last one ended)."""
    connections.close_all()  # the parent's connection belongs to the parent
    done, errors, ended_at = 0, 0, starts_at
    purchases = _purchases(assignment, seed=1)
    buyer, items, key = next(purchases)
    time.sleep(max(0.0, starts_at - time.time()))
    while time.time() < starts_at + seconds:
        try:
            place_order(buyer, items, key)
            done += 1
        except Exception as exc:  # counted and shown; the run goes on
            errors += 1
            print(f"client {assignment.client}: {type(exc).__name__}: {exc}", file=sys.stderr)
        ended_at = time.time()
        buyer, items, key = next(purchases)
    results.put((done, errors, ended_at))


def _concurrent(assignments: list[Assignment], seconds: float) -> tuple[int, int, float]:
    """(purchases, errors, wall seconds from the common start to the last purchase's end)."""
    context = multiprocessing.get_context("fork")
    results: multiprocessing.Queue = context.Queue()
    connections.close_all()
    starts_at = time.time() + 2.0
    workers = [context.Process(target=_client, args=(a, starts_at, seconds, results)) for a in assignments]
    for worker in workers:
        worker.start()
    reports = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    return (sum(r[0] for r in reports), sum(r[1] for r in reports), max(r[2] for r in reports) - starts_at)


def _serial(assignment: Assignment, count: int) -> tuple[float, float, float]:
    """(wall and client CPU milliseconds per purchase, queries per purchase) for one client alone:
    `count` purchases timed, then up to 100 more whose queries are counted."""
    purchases = _purchases(assignment, seed=2)
    started, cpu_started = time.perf_counter(), time.process_time()
    for _ in range(count):
        place_order(*next(purchases))
    wall_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
    counted = min(count, 100)  # Django keeps the last 9,000 queries
    with CaptureQueriesContext(connection) as queries:
        for _ in range(counted):
            place_order(*next(purchases))
    return wall_s * 1000 / count, cpu_s * 1000 / count, len(queries) / counted


def _pgbench(clients: int, seconds: float, scale: int) -> tuple[float, int, CpuSplit]:
    """pgbench's tpcb-like tps (without initial connection time) on the same server, in its own database,
    the transactions it ran and where the run's CPU went."""
    params, name = _database()
    bench_db = f"{name}_pgbench"
    _admin(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{bench_db}"')
    env = {**os.environ, "PGPASSWORD": params.get("password", "")}
    where = ["-h", params["host"], "-p", params["port"], "-U", params["user"]]
    try:
        subprocess.run(["pgbench", *where, "-i", "-q", "-s", str(scale), bench_db], check=True, env=env,
                       capture_output=True)
        run, cpu = _measured(lambda: subprocess.run(
            ["pgbench", *where, "-b", "tpcb-like", "-c", str(clients), "-j", str(clients), "-T", str(round(seconds)),
             bench_db], check=True, env=env, capture_output=True, text=True))
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
    found = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", run.stdout)
    processed = re.search(r"number of transactions actually processed: (\d+)", run.stdout)
    if found is None or processed is None:
        raise RuntimeError(f"pgbench printed no tps:\n{run.stdout}\n{run.stderr}")
    return float(found.group(1)), int(processed.group(1)), cpu


def _wallets() -> dict[str, int]:
    """Currency -> what all buyers' wallets hold, in minor units."""
    held: dict[str, int] = {}
    for customer in Customer.objects.all():
        held[customer.currency] = held.get(customer.currency, 0) + balance(customer.wallet_account,
                                                                           customer.currency).amount_minor
    return held


def _check(counted: int, funded: dict[str, int]) -> list[str]:
    """What must hold after the run, as sentences of what failed (empty: all good)."""
    problems = list(verify_ledger().problems)
    orders = Order.objects.filter(idempotency_key__startswith=KEY_PREFIX)
    written = orders.count()
    if written != counted:
        problems.append(f"{written} orders written, but the clients counted {counted}")
    lines = OrderLine.objects.filter(order__in=orders)
    if lines.count() != written or lines.filter(ledger_entry_id=None).exists():
        problems.append("an order without exactly one line, or a line without its sale entry")
    if SalePart.objects.filter(line__in=lines).values("line").annotate(n=Count("pk")).filter(n__lt=5).exists():
        problems.append("a sale posted fewer than five parts (VAT, label, artists, mechanical, store)")
    spent = dict(orders.values_list("currency").annotate(Sum("total_minor")).order_by())
    for currency, held in _wallets().items():
        if funded[currency] - spent.get(currency, 0) != held:
            problems.append(f"{currency}: wallets hold {held}, not {funded[currency]} less the orders' "
                            f"{spent.get(currency, 0)}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8, help="client processes, and pgbench's -c and -j")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long each side runs")
    parser.add_argument("--scale", type=int, default=10, help="pgbench -i scale factor")
    parser.add_argument("--labels", type=int, default=6)
    parser.add_argument("--releases-per-label", type=int, default=10)
    parser.add_argument("--tracks-per-release", type=int, default=10)
    parser.add_argument("--buyers-per-client", type=int, default=8)
    parser.add_argument("--serial", type=int, default=300, help="purchases by one client alone, first")
    parser.add_argument("--recreate", action="store_true", help="drop and create DATABASE_URL's database")
    args = parser.parse_args()
    if shutil.which("pgbench") is None:
        print("pgbench not found: install PostgreSQL's client tools for the baseline", file=sys.stderr)
        return 2
    _prepare_database(args.recreate)
    started = time.perf_counter()
    tracks = _catalogue(args.labels, args.releases_per_label, args.tracks_per_release)
    buyers = _buyers((args.clients + 1) * args.buyers_per_client)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as pgbench -i does: the planner sees the tables as they are
    funded = _wallets()
    track_ids = tuple(t.pk for t in tracks)
    assignments = [Assignment(c, tuple(b.pk for b in buyers[c * args.buyers_per_client:][:args.buyers_per_client]),
                              track_ids) for c in range(args.clients + 1)]
    _print_machine(args, len(tracks), len(buyers), time.perf_counter() - started)

    ms, cpu_ms, queries = _serial(assignments[-1], args.serial)
    print(f"one client alone: {ms:.2f} ms per purchase ({cpu_ms:.2f} ms of it the client's CPU), "
          f"{queries:.1f} queries per purchase")
    tps, transactions, pgbench_cpu = _pgbench(args.clients, args.seconds, args.scale)
    print(f"pgbench tpcb-like, scale {args.scale}, -c {args.clients} -j {args.clients}: {tps:,.1f} tps")
    (done, errors, wall_s), purchases_cpu = _measured(lambda: _concurrent(assignments[:-1], args.seconds))
    rate = done / wall_s
    print(f"purchases, {args.clients} clients: {rate:,.1f} per second ({done:,} in {wall_s:.1f} s, {errors} errors)")
    print("  " + pgbench_cpu.line("pgbench transaction", transactions))
    print("  " + purchases_cpu.line("purchase", done))
    ratio = rate / tps
    print(f"ratio {ratio:.3f}  target >= 0.25  {'ok' if ratio >= 0.25 else 'BELOW'}")
    problems = _check(done + args.serial + min(args.serial, 100), funded)
    print("check: " + ("; ".join(problems) if problems else
                       "ledger verifies; orders written = purchases counted; wallets fell by the orders' totals"))
    return 1 if problems or errors else 0


def _print_machine(args: argparse.Namespace, tracks: int, buyers: int, setup_s: float) -> None:
    server = connection.cursor().connection.info.parameter_status("server_version")
    pgbench = subprocess.run(["pgbench", "--version"], capture_output=True, text=True).stdout.strip()
    threshold = connection.settings_dict["OPTIONS"].get("prepare_threshold")
    prepared = f"prepared after {threshold} runs" if threshold else "never prepared"
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.python_implementation()} "
          f"{platform.python_version()}; PostgreSQL {server}; baseline: {pgbench}, same server")
    print(f"statements: {prepared} on a connection (PRESSPLANT_DB_PREPARE)")
    print(f"store: {args.labels} labels, {tracks} tracks, {buyers} funded buyers in "
          f"{len(set(COUNTRIES_BOUGHT_IN))} countries (built in {setup_s:.1f} s); {args.clients} clients, "
          f"{args.seconds:.0f} s each side\n")


if __name__ == "__main__":
    sys.exit(main())
