"""The label dashboard at scale: its reads against one plain aggregate over the same lines.

    python benchmarks/label_dashboard.py [--lines 100000] [--repeat 5]

Makes a throwaway store (SQLite under a temporary PRESSPLANT_HOME, or DATABASE_URL if set: use an empty
database), writes --lines order lines of one label (200 tracks, random days over 120 days, territories,
formats and currencies; 2% refunded) plus a fifth as many of another label's, each with its VAT, label
and store parts, then times dashboard() over 30 and 90 days and report_months() against the baseline: one
`COUNT(*), SUM(price_minor)` over the label's lines of the span. Best of --repeat. The ratio says how
many plain scans of the span the dashboard costs (it runs four GROUP BY queries and rolls them up).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PRESSPLANT_HOME", tempfile.mkdtemp(prefix="pressplant-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pressplant.settings")

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db.models import Count, Q, Sum  # noqa: E402

from pressplant.accounts.models import Customer  # noqa: E402
from pressplant.catalogue.models import Label, Master, Release, Track  # noqa: E402
from pressplant.orders.models import Order, OrderLine, SalePart  # noqa: E402
from pressplant.rights.models import Payee  # noqa: E402
from pressplant.royalties.dashboard import DaySpan, dashboard, report_months  # noqa: E402

NOW = datetime.now(UTC)
TERRITORIES = ("GB", "GB", "GB", "DE", "DE", "FR", "US", "US", "SE", "JP", "NL", "IE", "CA", "AU", "NO", "DK")
FORMATS = ("flac", "flac", "mp3-320", "mp3-320", "mp3-v0", "aac-256", "alac", "wav", "opus-160")
BATCH = 5_000


def _tracks(label: Label, count: int) -> list[Track]:
    release = Release.objects.create(title=f"{label.name} album", artist_display="Bench", label=label)
    master = Master.objects.create(sha256=f"{label.pk:064d}", storage_key="m.flac", original_name="m.flac",
                                   size_bytes=1, codec="FLAC", container="flac", sample_rate_hz=44_100, bit_depth=16,
                                   channels=2, duration_samples=44_100, integrated_lufs=-14.0, true_peak_dbtp=-1.0)
    return [Track.objects.create(release=release, position=n, title=f"Track {n}", artist_display="Bench",
                                 master=master, duration_ms=1000) for n in range(1, count + 1)]


def _moments(count: int, chance: random.Random) -> Iterator[datetime]:
    """What auto_now_add reads for each new order: anywhere in the last 120 days."""
    for _ in range(count):
        yield NOW - timedelta(minutes=chance.randrange(120 * 1440))


def _sell(customer: Customer, tracks: list[Track], payee: Payee, count: int, start: int,
          chance: random.Random) -> None:
    """Orders of one line each, at random days, territories, formats and tracks; one in fifty refunded."""
    for first in range(0, count, BATCH):
        numbers = range(start + first, start + min(first + BATCH, count))
        orders = [Order(customer=customer, idempotency_key=f"k{n}", fingerprint="-", total_minor=120,
                        currency=chance.choice(("GBP", "GBP", "EUR", "USD")), territory=chance.choice(TERRITORIES),
                        status="refunded" if n % 50 == 0 else "paid",
                        refunded_at=NOW - timedelta(minutes=chance.randrange(30 * 1440)) if n % 50 == 0 else None)
                  for n in numbers]
        with mock.patch("django.utils.timezone.now", side_effect=_moments(len(orders), chance)):
            orders = Order.objects.bulk_create(orders)
        lines = OrderLine.objects.bulk_create([
            OrderLine(order=order, track=chance.choice(tracks), format_name=chance.choice(FORMATS), size_bytes=1,
                      size_is_exact=True, list_price_minor=120, price_minor=120, currency=order.currency,
                      basis="bench", vat_minor=20) for order in orders])
        SalePart.objects.bulk_create([
            SalePart(line=line, role=role, account=f"{role}:{line.currency}", payee_code=code, amount_minor=amount,
                     currency=line.currency) for line in lines
            for role, code, amount in (("vat", "", 20), ("label", payee.code, 70), ("store", "", 30))])


def _best(repeat: int, read: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        read()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    customer = Customer.objects.create(user=User.objects.create_user("bench"), country="GB", currency="GBP")
    label, other = Label.objects.create(name="Bench Records"), Label.objects.create(name="Other Records")
    payee = Payee.objects.create(code="bench-records", name="Bench Records", kind="label", label=label)
    other_payee = Payee.objects.create(code="other-records", name="Other Records", kind="label", label=other)
    started = time.perf_counter()
    chance = random.Random(2026)
    _sell(customer, _tracks(label, 200), payee, args.lines, 0, chance)
    _sell(customer, _tracks(other, 10), other_payee, args.lines // 5, args.lines, chance)
    print(f"wrote {args.lines:,} + {args.lines // 5:,} lines in {time.perf_counter() - started:.1f} s")

    for days in (30, 90):
        span = DaySpan.last(days, NOW.date())
        lines = OrderLine.objects.filter(Q(track__release__label=label) | Q(release__label=label),
                                         order__created_at__gte=span.starts_at)
        baseline = _best(args.repeat, lambda lines=lines: lines.aggregate(Count("pk"), Sum("price_minor")))
        took = _best(args.repeat, lambda span=span: dashboard(label, span))
        print(f"dashboard, {days} days: {took * 1000:7.1f} ms; baseline (one COUNT/SUM) {baseline * 1000:6.1f} ms; "
              f"ratio {took / baseline:.1f}")
    months = _best(args.repeat, lambda: report_months(label))
    print(f"report_months: {months * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
