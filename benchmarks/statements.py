"""A month's royalty statements for 1,000,000 sales lines against one SQL GROUP BY over the same rows.

    python benchmarks/statements.py [--lines 1000000] [--period 2026-11] [--repeat 3] [--regenerate]

The database is DATABASE_URL, else postgres://postgres@127.0.0.1:5432/pressplant_bench (created when
missing; sqlite:///path/to/file.sqlite3 for SQLite). Its rows stay for the next run: --regenerate writes
them again, and so does a run asking for another number of lines.

The rows are the ones place_order writes (an order, its lines, their entitlements, one `sale` ledger entry
per line with its postings, and the sale parts), written in bulk (COPY on PostgreSQL, executemany on
SQLite): --lines lines bought in --period by 10,000 customers in ten countries, from 24 labels under four
kinds of deal (the default share, an agreement with artist splits per track, a three-way release split, a
DDEX wholesale price), tracks and albums in six formats; one order in fifty is refunded later in the month
(a reversal entry, the order refunded, its entitlements revoked). Prices, VAT, mechanicals and splits come
from the store's own quote and split code, once per (item, format, country). Before the rows are kept, a
few purchases made through place_order itself and their generated twins must give equal order rows, parts,
postings and sales as the reports read them, every statement line must count the two alike, and the ledger
must verify.

Then the benchmark times the month's royalty statements (write_period_statements: every payee's statement,
one line per item, format, territory, price and role, in HTML and CSV, and the check of each total against
the ledger's payable postings) against the baseline: one SELECT summing the period's payee parts (sales less
refunds) GROUP BY payee and currency, the very figures the statements' totals must equal (checked). Best of
--repeat each, in the same run. The ratio says how many plain aggregate scans of the month the statements
cost; the target is at most 2. On PostgreSQL the statements and the check read the month at once, on two
connections in one snapshot, as the store does. For the record it also times, alone: the statements' month
read (the GROUP BY of lines split alike, and their parts), the check against the ledger, and the whole
`royalties statement` command (write_period_reports: the statements and every label's DSR and sales report,
which list every sale one by one: ~300 MB at a million lines).

Writing the rows takes 7-15 minutes on PostgreSQL (most of it the deferred foreign-key checks at
commit); a run on kept rows about 2 minutes with --repeat 3, and the whole command writes ~300 MB of reports
to a temporary folder (removed after each run).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/pressplant_bench"
os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE)
os.environ.setdefault("PRESSPLANT_HOME", tempfile.mkdtemp(prefix="pressplant-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pressplant.settings")

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402

from pressplant.accounts.countries import COUNTRIES  # noqa: E402
from pressplant.accounts.models import Customer  # noqa: E402
from pressplant.catalogue.models import Label, Master, Release, Track  # noqa: E402
from pressplant.ledger.actions import REVERSAL_KIND, post_entry, verify_ledger  # noqa: E402
from pressplant.ledger.journal import EntryDraft, Posting, account_kind  # noqa: E402
from pressplant.ledger.models import Account, Entry  # noqa: E402
from pressplant.ledger.models import Posting as PostingRow  # noqa: E402
from pressplant.money import Money  # noqa: E402
from pressplant.orders.actions import OrderItem, _fingerprint, place_order, refund_order  # noqa: E402
from pressplant.orders.models import Entitlement, Order, OrderLine, SalePart, parts_key  # noqa: E402
from pressplant.orders.sales import Part, offer_for, sale_parts  # noqa: E402
from pressplant.pricing.actions import quote_for_release, quote_for_track  # noqa: E402
from pressplant.pricing.models import PriceRule  # noqa: E402
from pressplant.rights.licences import ReleaseRights  # noqa: E402
from pressplant.rights.models import Deal, LabelAgreement, Licence, Payee, PriceTier, RoyaltySplit  # noqa: E402
from pressplant.royalties.periods import Period  # noqa: E402
from pressplant.royalties.reports import PeriodReports, write_period_reports, write_period_statements  # noqa: E402
from pressplant.royalties.sales import stream_events  # noqa: E402
from pressplant.royalties.statements import ledger_payables, statements  # noqa: E402

LABELS = 24
SINGLES_PER_LABEL = 10
"""Tracks of each label's first release, sold one by one."""
ALBUM_TRACKS = 6
"""Tracks of each label's second release, sold whole."""
CUSTOMERS = 10_000
COUNTRY_MIX = ("GB", "GB", "GB", "DE", "DE", "FR", "NL", "IE", "US", "US", "US", "SE", "JP", "CA", "RU")
FORMATS = ("flac", "flac", "mp3-320", "mp3-320", "mp3-v0", "aac-256", "alac", "opus-160")
REFUND_EVERY = 50
"""One order in this many is refunded, later in the same month."""
CHUNK_ORDERS = 20_000
SENDER = "PADPIDA2026000099B"
CURRENCIES = ("GBP", "EUR", "USD", "RUB")
TOP_UP_MINOR = 10**12
"""Each customer's one top-up, before the month: more than any customer spends."""


# ----------------------------------------------------------------------------------------------------------
# The database: made if missing, dropped for --regenerate.


def _vendor(url: str) -> str:
    return "sqlite" if url.startswith("sqlite:") else "postgresql"


def _reset_database(url: str, drop: bool) -> None:
    """Create the database if it is missing; with `drop`, remove it first."""
    connection.close()
    if _vendor(url) == "sqlite":
        path = Path(urlsplit(url).path)
        for suffix in ("", "-wal", "-shm") if drop else ():
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        return
    name = urlsplit(url).path.lstrip("/")
    server = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as admin:
        if drop:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            admin.execute(f'CREATE DATABASE "{name}"')


def _server() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


# ----------------------------------------------------------------------------------------------------------
# The catalogue, the buyers and what each (item, format, country) sale is: made by the store's own code.


@dataclass(frozen=True, slots=True)
class Sale:
    """One (item, format, country) as place_order prices and splits it, ready to be written many times."""

    track_id: int | None
    release_id: int | None
    format_name: str
    size_bytes: int
    size_is_exact: bool
    price_minor: int
    currency: str
    basis: str
    vat_minor: int
    vat_rate: Decimal
    parts: tuple[Part, ...]

    @property
    def item(self) -> OrderItem:
        return OrderItem(self.format_name, track_id=self.track_id, release_id=self.release_id)


def _track(release: Release, position: int, duration_ms: int) -> Track:
    master = Master.objects.create(
        sha256=f"{release.pk:032d}{position:032d}", storage_key=f"bench/{release.pk}-{position}.flac",
        original_name=f"{position:02d}.flac", size_bytes=duration_ms * 100, codec="FLAC", container="flac",
        sample_rate_hz=44_100, bit_depth=16, channels=2, duration_samples=duration_ms * 441 // 10,
        integrated_lufs=-14.0, true_peak_dbtp=-1.0)
    return Track.objects.create(release=release, position=position, title=f"Song {position} of {release.title}",
                                artist_display=release.artist_display, master=master, duration_ms=duration_ms,
                                isrc=f"GBBEN26{release.pk % 100:02d}{position:03d}")


def _label(number: int) -> tuple[Release, Release]:
    """A label with a release sold by the track and an album sold whole, under one of four kinds of deal."""
    label = Label.objects.create(name=f"Bench Label {number:02d}")
    singles = Release.objects.create(title=f"Singles {number:02d}", artist_display=f"Artist {number:02d}",
                                     label=label, upc=f"5{number:011d}", p_line=f"2026 {label.name}")
    album = Release.objects.create(title=f"Album {number:02d}", artist_display=f"Artist {number:02d} & Band",
                                   label=label, upc="", release_type=Release.Type.ALBUM)
    tracks = [_track(singles, n, 150_000 + 7_919 * n * number % 240_000) for n in range(1, SINGLES_PER_LABEL + 1)]
    tracks += [_track(album, n, 180_000 + 3_571 * n * number % 200_000) for n in range(1, ALBUM_TRACKS + 1)]
    _deal(number % 4, label, (singles, album), tracks)
    rule = (dict(pricing_model=PriceRule.Model.PER_TRACK, track_price_minor=99 + number, album_price_minor=499)
            if number % 3 else dict(pricing_model=PriceRule.Model.PER_MEGABYTE, rate_per_mb="0.012"))
    for currency in CURRENCIES:
        scale = 80 if currency == "RUB" else 1
        PriceRule.objects.create(label=label, currency=currency, minimum_minor=49 * scale, **{
            k: v * scale if isinstance(v, int) else v for k, v in rule.items()})
    return singles, album


def _deal(kind: int, label: Label, releases: tuple[Release, Release], tracks: list[Track]) -> None:
    """0: the default share to the label; 1: an agreement (65%) with an artist split per track; 2: a
    three-way split of both releases; 3: a DDEX licence at a wholesale price tier."""
    if kind == 1:
        payee = Payee.objects.create(code=f"bench-{label.pk}-label", name=f"{label.name} Ltd",
                                     kind=Payee.Kind.LABEL, label=label, email=f"money@label{label.pk}.example")
        LabelAgreement.objects.create(label=label, payee=payee, share_rate="0.65")
        artist = Payee.objects.create(code=f"bench-{label.pk}-artist", name=f"Artist of {label.name}",
                                      kind=Payee.Kind.ARTIST)
        for track in tracks:
            RoyaltySplit.objects.create(release=track.release, track=track, payee=payee, basis_points=8_001)
            RoyaltySplit.objects.create(release=track.release, track=track, payee=artist, basis_points=1_999)
    elif kind == 2:
        members = [Payee.objects.create(code=f"bench-{label.pk}-member-{n}", name=f"Member {n} ({label.name})",
                                        kind=Payee.Kind.ARTIST) for n in (1, 2, 3)]
        for release in releases:
            for member, points in zip(members, (3_333, 3_333, 3_334), strict=True):
                RoyaltySplit.objects.create(release=release, payee=member, basis_points=points)
    elif kind == 3:
        for release in releases:
            Licence.objects.create(release=release, source=Licence.Source.DDEX, sender_party_id=SENDER)
            Deal.objects.create(release=release, commercial_model_types=["PayAsYouGoModel"],
                                use_types=["PermanentDownload"], territory_codes=["Worldwide"], price_code="MID")


def _catalogue() -> list[Track | Release]:
    """Every item on sale: each label's single tracks and its album."""
    for currency, minor in (("GBP", 70), ("EUR", 80), ("USD", 85), ("RUB", 6_000)):
        PriceTier.objects.create(sender_party_id=SENDER, code="MID", currency=currency, wholesale_minor=minor)
    items: list[Track | Release] = []
    for number in range(1, LABELS + 1):
        singles, album = _label(number)
        items += [*singles.tracks.order_by("position"), album]
    return items


def _customers(count: int, prefix: str) -> list[Customer]:
    users = User.objects.bulk_create(User(username=f"{prefix}-{n}", email=f"{prefix}-{n}@example.com",
                                          password="!") for n in range(count))
    return Customer.objects.bulk_create(
        Customer(user=user, country=(country := COUNTRY_MIX[n % len(COUNTRY_MIX)]),
                 currency=COUNTRIES[country].currency) for n, user in enumerate(users))


def _sale(item: Track | Release, format_name: str, country: str, at: datetime, rights: ReleaseRights) -> Sale:
    """What place_order charges and posts for `item` bought in `country` (not an upgrade)."""
    currency = COUNTRIES[country].currency
    if isinstance(item, Track):
        quote = quote_for_track(item, format_name, currency)
    else:
        quote = quote_for_release(item, format_name, currency)
    offer = offer_for(item, quote, country, at, rights)
    assert offer.can_buy and offer.split is not None, f"{item} in {country}: {offer.reason}"
    return Sale(track_id=item.pk if isinstance(item, Track) else None,
                release_id=item.pk if isinstance(item, Release) else None, format_name=format_name,
                size_bytes=offer.quote.size_bytes, size_is_exact=offer.quote.size_is_exact,
                price_minor=offer.price.amount_minor, currency=currency, basis=offer.quote.basis[:300],
                vat_minor=offer.split.sale.vat.amount_minor, vat_rate=offer.vat_rate,
                parts=tuple(sale_parts(offer.split, country)))


class Sales:
    """Each (item, format, country) priced once, when first asked for."""

    def __init__(self, at: datetime) -> None:
        self.at = at
        self.known: dict[tuple[int, str, str], Sale] = {}
        self.rights: dict[int, ReleaseRights] = {}

    def of(self, item: Track | Release, format_name: str, country: str) -> Sale:
        key = (id(item), format_name, country)
        if key not in self.known:
            release = item.release if isinstance(item, Track) else item
            rights = self.rights.setdefault(release.pk, ReleaseRights(release))
            self.known[key] = _sale(item, format_name, country, self.at, rights)
        return self.known[key]


# ----------------------------------------------------------------------------------------------------------
# Writing rows in bulk, with the ids chosen here.

TABLES: dict[str, tuple[type[models.Model], tuple[str, ...]]] = {
    "order": (Order, ("id", "customer_id", "idempotency_key", "fingerprint", "status", "total_minor", "currency",
                      "ledger_entry_id", "territory", "declared_country", "detected_country", "refunded_at",
                      "refund_key", "created_at")),
    "line": (OrderLine, ("id", "order_id", "track_id", "release_id", "format_name", "size_bytes", "size_is_exact",
                         "list_price_minor", "price_minor", "currency", "basis", "vat_minor", "vat_rate",
                         "ledger_entry_id", "parts_key")),
    "entitlement": (Entitlement, ("id", "customer_id", "track_id", "release_id", "format_name", "order_line_id",
                                  "available_at", "revoked_at", "revoked_reason", "created_at")),
    "entry": (Entry, ("id", "key", "kind", "fingerprint", "memo", "reverses_id", "created_at")),
    "posting": (PostingRow, ("id", "entry_id", "debit_id", "credit_id", "amount_minor", "currency")),
    "part": (SalePart, ("id", "line_id", "role", "account", "payee_code", "payee_name", "amount_minor", "currency",
                        "basis")),
}  # fmt: skip
"""Every column of every table a purchase writes (checked against the models: a new column must be added)."""


def _check_tables() -> None:
    for name, (model, columns) in TABLES.items():
        have = {f.attname for f in model._meta.concrete_fields}
        assert have == set(columns), f"{name}: the generator writes {sorted(columns)}, the table has {sorted(have)}"


class Rows:
    """Rows for each table, flushed to the database in one bulk write per table."""

    def __init__(self) -> None:
        self.ids = {name: _next_id(model) for name, (model, _) in TABLES.items()}
        self.rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        self.sqlite = connection.vendor == "sqlite"

    def new_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table] - 1

    def moment(self, at: datetime | None) -> datetime | str | None:
        """A datetime as the table stores it: SQLite keeps naive UTC text."""
        return str(at.astimezone(UTC).replace(tzinfo=None)) if self.sqlite and at is not None else at

    def flush(self) -> None:
        for name, rows in self.rows.items():
            model, columns = TABLES[name]
            if self.sqlite:
                _insert_sqlite(model._meta.db_table, columns, rows)
            else:
                _copy_postgresql(model._meta.db_table, columns, rows)
        self.rows.clear()


def _next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1


def _copy_postgresql(table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _insert_sqlite(table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    marks = ", ".join("?" for _ in columns)
    connection.connection.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def _reset_sequences() -> None:
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [model for model, _ in TABLES.values()]):
            cursor.execute(sql)


@dataclass
class Ledger:
    """Account ids by code, and each account's net movement while rows are written."""

    ids: dict[str, int]
    net_minor: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @classmethod
    def open(cls, customers: Sequence[Customer], sales: Sequence[Sale]) -> Ledger:
        currencies = {c.wallet_account: c.currency for c in customers}
        for sale in sales:
            currencies |= {f"{kind}:{sale.currency}": sale.currency for kind in ("store:sales", "external:bench")}
            currencies |= {part.account: sale.currency for part in sale.parts}
        fresh = [Account(code=code, currency=currency, kind=account_kind(code).name,
                         may_go_negative=account_kind(code).may_go_negative)
                 for code, currency in sorted(currencies.items())]
        Account.objects.bulk_create(fresh, ignore_conflicts=True, batch_size=2_000)
        return cls(dict(Account.objects.filter(code__in=currencies).values_list("code", "id")))

    def settle(self) -> None:
        """Store every balance the written postings moved."""
        moved = Account.objects.filter(code__in=list(self.net_minor))
        for account in moved:
            account.balance_minor += self.net_minor[account.code]
        Account.objects.bulk_update(moved, ["balance_minor"], batch_size=2_000)
        self.net_minor.clear()


def _entry(rows: Rows, ledger: Ledger, draft: EntryDraft, at: datetime) -> int:
    """The entry and its postings, as post_entry writes them; returns the entry's id."""
    entry_id = rows.new_id("entry")
    rows.rows["entry"].append((entry_id, draft.key, draft.kind, draft.fingerprint(), draft.memo, draft.reverses,
                               rows.moment(at)))
    for posting in draft.postings:
        amount = posting.amount
        rows.rows["posting"].append((rows.new_id("posting"), entry_id, ledger.ids[posting.debit],
                                     ledger.ids[posting.credit], amount.amount_minor, amount.currency))
        ledger.net_minor[posting.debit] -= amount.amount_minor
        ledger.net_minor[posting.credit] += amount.amount_minor
    return entry_id


def top_up(rows: Rows, ledger: Ledger, customer: Customer, at: datetime) -> None:
    key = f"bench:topup-{customer.pk}"
    amount = Money(TOP_UP_MINOR, customer.currency)
    _entry(rows, ledger, EntryDraft(key=key, kind="top_up", memo=f"top_up topup-{customer.pk} for customer "
                                    f"{customer.pk}", postings=(Posting(f"external:bench:{customer.currency}",
                                                                        customer.wallet_account, amount),)), at)


def write_order(rows: Rows, ledger: Ledger, customer: Customer, sales: Sequence[Sale], at: datetime,
                refunded_at: datetime | None) -> int:
    """One paid order of `sales` at `at` (refunded at `refunded_at` when given); returns the order id."""
    order_id = rows.new_id("order")
    total = sum(s.price_minor for s in sales)
    refund_key = f"bench-refund-{order_id}" if refunded_at else ""
    rows.rows["order"].append((
        order_id, customer.pk, f"bench:{order_id}", _fingerprint([s.item for s in sales]),
        Order.Status.REFUNDED if refunded_at else Order.Status.PAID, total, customer.currency, None,
        customer.country, customer.country, "", rows.moment(refunded_at), refund_key, rows.moment(at)))
    for sale in sales:
        _write_line(rows, ledger, customer, order_id, sale, at, refunded_at)
    return order_id


def _write_line(rows: Rows, ledger: Ledger, customer: Customer, order_id: int, sale: Sale, at: datetime,
                refunded_at: datetime | None) -> None:
    line_id = rows.new_id("line")
    price = Money(sale.price_minor, sale.currency)
    sales_account = f"store:sales:{sale.currency}"
    draft = EntryDraft(key=f"sale:{line_id}", kind="sale", memo=f"order {order_id} line {line_id}", postings=(
        Posting(customer.wallet_account, sales_account, price),
        *(Posting(sales_account, part.account, part.amount) for part in sale.parts)))
    entry_id = _entry(rows, ledger, draft, at)
    parts = [part.row() for part in sale.parts]
    rows.rows["line"].append((
        line_id, order_id, sale.track_id, sale.release_id, sale.format_name, sale.size_bytes, sale.size_is_exact,
        sale.price_minor, sale.price_minor, sale.currency, sale.basis, sale.vat_minor,
        str(sale.vat_rate) if rows.sqlite else sale.vat_rate, entry_id, parts_key(parts)))
    rows.rows["entitlement"].append((
        rows.new_id("entitlement"), customer.pk, sale.track_id, sale.release_id, sale.format_name, line_id, None,
        rows.moment(refunded_at), "order refunded" if refunded_at else "", rows.moment(at)))
    rows.rows["part"].extend((rows.new_id("part"), line_id, *part) for part in parts)
    if refunded_at is not None:
        _entry(rows, ledger, EntryDraft(
            key=f"refund:{order_id}:{line_id}", kind=REVERSAL_KIND, memo=f"refund of order {order_id} line {line_id}",
            postings=tuple(p.swapped() for p in draft.postings), reverses=entry_id), refunded_at)


def _ensure_payees(sales: Sequence[Sale]) -> None:
    """The payee rows place_order makes on a payee's first sale."""
    for part in {p.payee_code: p for sale in sales for p in sale.parts if p.payee_code}.values():
        kind = Payee.Kind.SOCIETY if part.role == "mechanical" else part.role
        Payee.objects.get_or_create(code=part.payee_code, defaults={"name": part.payee_name, "kind": kind})


# ----------------------------------------------------------------------------------------------------------
# The month: --lines lines bought by CUSTOMERS customers, each item at most once per customer.


def _orders_plan(lines: int, chance_seed: int) -> Iterator[tuple[int, int]]:
    """(customer index, lines in the order) until `lines` lines: mostly one item, sometimes two or three."""
    sizes, written, number = (1, 1, 1, 1, 1, 1, 2, 3), 0, 0
    while written < lines:
        size = min(sizes[(number * 7 + chance_seed) % len(sizes)], lines - written)
        yield number % CUSTOMERS, size
        written += size
        number += 1


def generate(period: Period, lines: int, items: list[Track | Release], customers: list[Customer],
             pricing: Sales) -> int:
    """Write the month's orders; returns the number of orders."""
    plans = list(_orders_plan(lines, 3))
    span_s = (period.ends_at - period.starts_at).total_seconds() - 3_600
    bought = [0] * len(customers)
    rows = Rows()
    first_sales = [pricing.of(items[0], fmt, c.country) for fmt in set(FORMATS) for c in customers[:len(COUNTRY_MIX)]]
    ledger = Ledger.open(customers, first_sales)
    for customer in customers:
        top_up(rows, ledger, customer, period.starts_at - timedelta(days=20))
    for number, (who, size) in enumerate(plans):
        customer = customers[who]
        sales = []
        for _ in range(size):
            item = items[(bought[who] * 37 + who * 11) % len(items)]  # 37 is prime to len(items): no repeats
            sales.append(pricing.of(item, FORMATS[(bought[who] + who) % len(FORMATS)], customer.country))
            bought[who] += 1
        at = period.starts_at + timedelta(seconds=span_s * number / len(plans))
        refunded_at = at + (period.ends_at - at) / 2 if number % REFUND_EVERY == REFUND_EVERY - 1 else None
        _ensure_accounts(ledger, sales)
        write_order(rows, ledger, customer, sales, at, refunded_at)
        if number % CHUNK_ORDERS == CHUNK_ORDERS - 1:
            rows.flush()
            print(f"  {number + 1:,} of {len(plans):,} orders written", flush=True)
    rows.flush()
    ledger.settle()
    _ensure_payees(list(pricing.known.values()))
    _reset_sequences()
    return len(plans)


def _ensure_accounts(ledger: Ledger, sales: Sequence[Sale]) -> None:
    missing = [p for s in sales for p in s.parts if p.account not in ledger.ids]
    if missing:
        fresh = [Account(code=p.account, currency=p.amount.currency, kind=account_kind(p.account).name,
                         may_go_negative=account_kind(p.account).may_go_negative) for p in missing]
        Account.objects.bulk_create(fresh, ignore_conflicts=True)
        ledger.ids |= dict(Account.objects.filter(code__in=[p.account for p in missing]).values_list("code", "id"))


# ----------------------------------------------------------------------------------------------------------
# The proof: purchases through place_order and their generated twins must read the same everywhere.

PROOF_PICKS = (("GB", 0, "flac"), ("DE", 14, "mp3-320"), ("US", 23, "aac-256"), ("RU", 43, "flac"),
               ("SE", 10, "alac"), ("JP", 21, "mp3-v0"), ("GB", 32, "opus-160"), ("FR", 38, "flac"),
               ("US", 2, "mp3-320"), ("IE", 20, "flac"), ("CA", 25, "flac"), ("NL", 54, "alac"))
"""(country, item index, format): the four kinds of deal, tracks and albums, every VAT and mechanical case."""
PROOF_REFUNDED = 3
"""The first picks are refunded, through refund_order and in the twins."""


def prove(period: Period, items: list[Track | Release]) -> list[str]:
    """Buy PROOF_PICKS through place_order in `period` and write the same picks as generated rows; return
    every difference between the two (the statement lines, the rows) as sentences."""
    at, refunded_at = period.starts_at + timedelta(days=10), period.starts_at + timedelta(days=12)
    real_buyers = _proof_customers("proof-real")
    twin_buyers = _proof_customers("proof-twin")
    pricing, rows = Sales(at), Rows()
    sales = [pricing.of(items[index], fmt, country) for country, index, fmt in PROOF_PICKS]
    ledger = Ledger.open(twin_buyers, sales)
    twins = []
    for n, (buyer, sale) in enumerate(zip(twin_buyers, sales, strict=True)):
        top_up(rows, ledger, buyer, at - timedelta(days=1))
        twins.append(write_order(rows, ledger, buyer, [sale], at, refunded_at if n < PROOF_REFUNDED else None))
    rows.flush()
    ledger.settle()
    _reset_sequences()
    real = _buy_for_real(real_buyers, sales, at, refunded_at)
    lines = _event_lines(period)
    problems = []
    for pick, real_order, twin_order in zip(PROOF_PICKS, real, twins, strict=True):
        mine, theirs = _order_rows(real_order, lines), _order_rows(twin_order, lines)
        problems += [f"{pick}: place_order wrote {a}, the generator {b}" for a, b in zip(mine, theirs, strict=True)
                     if a != b]
    # every pick was sold twice, once for real and once by the generator: each statement line counts both
    problems += [f"{statement.payee_code}: {line} does not count the real sale and its twin alike"
                 for statement in statements(period) for line in statement.lines
                 if line.sold % 2 or line.returned % 2]
    return problems


def _proof_customers(prefix: str) -> list[Customer]:
    users = User.objects.bulk_create(User(username=f"{prefix}-{n}", email=f"{prefix}-{n}@example.com",
                                          password="!") for n in range(len(PROOF_PICKS)))
    return Customer.objects.bulk_create(Customer(user=user, country=country, currency=COUNTRIES[country].currency)
                                        for user, (country, _, _) in zip(users, PROOF_PICKS, strict=True))


def _buy_for_real(buyers: list[Customer], sales: list[Sale], at: datetime, refunded_at: datetime) -> list[int]:
    orders = []
    for n, (buyer, sale) in enumerate(zip(buyers, sales, strict=True)):
        with mock.patch("django.utils.timezone.now", return_value=at - timedelta(days=1)):
            post_entry(EntryDraft(key=f"bench:proof-topup-{buyer.pk}", kind="top_up", postings=(Posting(
                f"external:bench:{buyer.currency}", buyer.wallet_account, Money(TOP_UP_MINOR, buyer.currency)),)))
        with mock.patch("django.utils.timezone.now", return_value=at):
            order = place_order(buyer, [sale.item], f"proof-{n}")
        if n < PROOF_REFUNDED:
            with mock.patch("django.utils.timezone.now", return_value=refunded_at):
                refund_order(order, f"proof-refund-{n}")
        orders.append(order.pk)
    return orders


def _event_lines(period: Period) -> dict[int, list[tuple[Any, ...]]]:
    """Order line id -> what the month's sales and refunds say about it, per payee (ids left out): what
    statements sum and the labels' reports list."""
    lines: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for x in stream_events(period):
        for code, share in x.parts.shares().items():
            lines[x.line.pk].append((code, share.payee_name, x.at, x.units, x.territory, x.item, x.line.format_name,
                                     x.gross, x.ex_vat, share.roles, share.basis, share.amount_minor))
    return {line_id: sorted(found, key=repr) for line_id, found in lines.items()}


def _order_rows(order_id: int, lines: dict[int, list[tuple[Any, ...]]]) -> list[Any]:
    """What a reader sees of one order, ids left out: its row, its line, entitlement, parts, postings and
    statement lines."""
    order = Order.objects.get(pk=order_id)
    [line] = OrderLine.objects.filter(order=order)
    entitlement = Entitlement.objects.get(order_line=line)
    entries = Entry.objects.filter(models.Q(pk=line.ledger_entry_id) | models.Q(reverses_id=line.ledger_entry_id))
    postings = PostingRow.objects.filter(entry__in=entries).order_by("entry_id", "id").values_list(
        "entry__kind", "debit__code", "credit__code", "amount_minor", "currency")
    wallet = f"customer:{order.customer_id}:wallet"
    return [
        ("order", order.status, order.total_minor, order.currency, order.ledger_entry_id, order.territory,
         order.declared_country, order.detected_country, order.refunded_at, bool(order.refund_key), order.created_at),
        ("line", line.track_id, line.release_id, line.format_name, line.size_bytes, line.size_is_exact,
         line.list_price_minor, line.price_minor, line.currency, line.basis, line.vat_minor, line.vat_rate,
         line.parts_key),
        ("entitlement", entitlement.track_id, entitlement.release_id, entitlement.format_name,
         entitlement.available_at, entitlement.revoked_at, entitlement.revoked_reason),
        ("parts", list(line.parts.order_by("id").values_list("role", "account", "payee_code", "payee_name",
                                                               "amount_minor", "currency", "basis"))),
        ("postings", [tuple("wallet" if v == wallet else v for v in p) for p in postings]),
        ("entries", sorted((e.kind, e.created_at, e.memo.replace(str(order.pk), "#")
                            .replace(str(line.pk), "#")) for e in entries)),
        ("sales and refunds", lines.get(line.pk, [])),
    ]


# ----------------------------------------------------------------------------------------------------------
# The rows, made once and kept.


def _sold_in(period: Period) -> int:
    return Entry.objects.filter(kind="sale", created_at__gte=period.starts_at, created_at__lt=period.ends_at).count()


def build(period: Period, lines: int) -> None:
    """The catalogue, the buyers, the month's lines and the proof, in one transaction: all or nothing."""
    started = time.perf_counter()
    with transaction.atomic():
        items = _catalogue()
        assert lines <= CUSTOMERS * len(items), "more lines than customers can buy without buying twice"
        customers = _customers(CUSTOMERS, "bench")
        orders = generate(period, lines, items, customers, Sales(period.starts_at))
        problems = prove(_month_before(period), items)
        if problems:
            raise SystemExit("the generator does not write what place_order writes:\n" + "\n".join(problems))
    with connection.cursor() as cursor:  # as a database is some time after a bulk load: statistics, visibility
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(f"wrote {lines:,} lines in {orders:,} orders and proved them against place_order in "
          f"{time.perf_counter() - started:.0f} s", flush=True)


def _month_before(period: Period) -> Period:
    first = period.starts_at - timedelta(days=1)
    return Period(first.year, first.month)


# ----------------------------------------------------------------------------------------------------------
# The timings.

BASELINE = """
SELECT part.payee_code, part.currency,
       SUM(CASE WHEN e.kind = 'sale' THEN part.amount_minor ELSE -part.amount_minor END)
FROM ledger_entry e
JOIN orders_orderline line ON line.ledger_entry_id = COALESCE(e.reverses_id, e.id)
JOIN orders_salepart part ON part.line_id = line.id
WHERE e.created_at >= %s AND e.created_at < %s AND e.kind IN ('sale', 'reversal') AND part.payee_code <> ''
GROUP BY part.payee_code, part.currency
"""
"""The month's payee parts, sales less refunds, summed per payee and currency: what statements total."""


def baseline(period: Period) -> dict[tuple[str, str], int]:
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(BASELINE, [adapt(period.starts_at), adapt(period.ends_at)])
        return {(code, currency): int(total) for code, currency, total in cursor.fetchall()}


@dataclass
class Written:
    reports: PeriodReports
    size_bytes: int


def written(period: Period, *, labels: bool) -> Written:
    """The statements (and with `labels`, the labels' DSRs and sales reports too) in a temporary folder."""
    out = Path(tempfile.mkdtemp(prefix="pressplant-statements-"))
    try:
        made = (write_period_reports(period, out, created_at=datetime(2026, 12, 1, 6, tzinfo=UTC)) if labels
                else write_period_statements(period, out))
        return Written(made, sum(f.stat().st_size for f in set(made.files)))
    finally:
        shutil.rmtree(out)


def best(repeat: int, run: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--period", default="2026-11", help="the month sold in, YYYY-MM")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--regenerate", action="store_true", help="write the rows again")
    args = parser.parse_args()
    url, period = os.environ["DATABASE_URL"], Period.parse(args.period)
    _check_tables()
    _reset_database(url, drop=args.regenerate)
    call_command("migrate", verbosity=0)
    if _sold_in(period) != args.lines:
        if Order.objects.exists():
            print(f"the database holds other rows than {args.lines:,} lines in {period}: writing them again")
            _reset_database(url, drop=True)
            call_command("migrate", verbosity=0)
        build(period, args.lines)
    else:
        print(f"{args.lines:,} lines in {period} kept from an earlier run (--regenerate writes them again)")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.python_implementation()} "
          f"{platform.python_version()}; database: {_server()}")
    verified = verify_ledger()
    print(f"ledger verify: {'ok' if verified.ok else verified.problems[:5]}", flush=True)

    base_s, totals = best(args.repeat, lambda: baseline(period))
    took_s, made = best(args.repeat, lambda: written(period, labels=False))
    query_s, _ = best(args.repeat, lambda: statements(period))
    check_s, _ = best(args.repeat, lambda: ledger_payables(period))
    whole_s, whole = best(1, lambda: written(period, labels=True))
    for reports in (made.reports, whole.reports):
        summed = {(row.payee_code, row.currency): row.total.amount_minor for row in reports.summary}
        assert reports.ok and summed == totals, "the statements' totals differ from the ledger or from the baseline"
    summary = made.reports.summary
    payees = len({r.payee_code for r in summary})
    print(f"statements: {sum(r.lines for r in summary):,} lines for {payees} payees; {len(set(made.reports.files))} "
          f"files, {made.size_bytes / 1e6:,.1f} MB; every total equals the baseline's and the ledger's")
    print(f"whole command: {len(set(whole.reports.files))} files, {whole.size_bytes / 1e6:,.0f} MB (statements, and "
          f"every label's DSR and sales report with a row per sale); peak memory of this process "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    print(f"baseline, one GROUP BY payee, currency: {base_s:8.2f} s")
    print(f"statements {period}, files and check:   {took_s:8.2f} s")
    print(f"  the statements' month read:             {query_s:8.2f} s  (alone)")
    print(f"  checking totals against the ledger:     {check_s:8.2f} s  (one GROUP BY over the postings; alone)")
    print(f"whole `royalties statement` command:     {whole_s:8.2f} s  (for the record: once)")
    ratio = took_s / base_s
    print(f"ratio {ratio:.2f}  target <= 2.00  {'ok' if ratio <= 2 else 'BELOW'}")


if __name__ == "__main__":
    main()
