"""10,000 random sales and refunds through the real order path, across currencies, territories, deals and
payee splits, over two months: the ledger verifies, every payee's statement equals what the ledger says
it is owed to the minor unit, the tax accounts hold exactly the VAT of the lines kept, and a payout
empties every payable account once."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from pressplant.accounts.countries import COUNTRIES
from pressplant.accounts.models import Customer
from pressplant.catalogue.models import Label, Release, Track
from pressplant.ledger.actions import balance, verify_ledger
from pressplant.ledger.models import Account
from pressplant.money import Money
from pressplant.orders.actions import AlreadyOwned, NotAvailable, OrderItem, place_order, refund_order
from pressplant.orders.models import Order, OrderLine
from pressplant.pricing.models import PriceRule
from pressplant.rights.models import Deal, LabelAgreement, Licence, Payee, PriceTier, RoyaltySplit
from pressplant.royalties.actions import pay_out
from pressplant.royalties.periods import Period
from pressplant.royalties.statements import ledger_payables, reconcile, statements
from tests.royalties.conftest import at, clock

SEED = 20261129
COUNTRY_MIX = ("GB", "GB", "DE", "FR", "IE", "NL", "US", "US", "SE", "CA", "RU", "JP")
FORMAT_MIX = ("mp3-128", "mp3-320", "mp3-v0", "aac-256", "opus-160", "flac", "flac-cd", "alac", "wav", "aiff")
MONTHS = (Period(2026, 10), Period(2026, 11))
SENDER = "PADPIDA2026000042Z"


def _sales_count() -> int:
    """10,000 on SQLite (the README's suite); the PostgreSQL rerun does 2,000 of the same mix to stay quick."""
    return 10_000 if connection.vendor == "sqlite" else 2_000


def _copy_release(template: list[Track], title: str, label: Label) -> Release:
    """Another release on the same masters: royalties read rows, not audio."""
    first = template[0].release
    release = Release.objects.create(title=title, artist_display=first.artist_display, label=label,
                                     release_date=date(2026, 1, 9))
    Track.objects.bulk_create(Track(release=release, disc_number=1, position=t.position, title=f"{t.title} ({title})",
                                    isrc=f"GBXYZ26{index:05d}", master=t.master, artist_display=t.artist_display,
                                    duration_ms=t.duration_ms + index * 61_000)
                              for index, t in enumerate(template, start=1))
    return release


def _catalogue(tracks: list[Track]) -> list[Release]:
    """Three releases under three kinds of deal: the operator's own with a three-way split; a DDEX licence
    with a price-code wholesale price in two currencies, not licensed in Germany; a 65% agreement with
    per-track artist splits."""
    own = tracks[0].release
    payees = [Payee.objects.create(code=f"member-{n}", name=f"Member {n}", kind=Payee.Kind.ARTIST) for n in (1, 2, 3)]
    for payee, bp in zip(payees, (3_333, 3_333, 3_334), strict=True):
        RoyaltySplit.objects.create(release=own, payee=payee, basis_points=bp)
    licensed = _copy_release(tracks, "Licensed", Label.objects.create(name="Wholesale Works"))
    Licence.objects.create(release=licensed, source=Licence.Source.DDEX, sender_party_id=SENDER)
    Deal.objects.create(release=licensed, commercial_model_types=["PayAsYouGoModel"], use_types=["PermanentDownload"],
                        territory_codes=[], excluded_territory_codes=["DE"], price_code="MID")
    for currency, minor in (("GBP", 450), ("EUR", 520), ("USD", 560)):
        PriceTier.objects.create(sender_party_id=SENDER, code="MID", currency=currency, wholesale_minor=minor)
    agreed = _copy_release(tracks, "Agreed", Label.objects.create(name="Sixty Five"))
    label_payee = Payee.objects.create(code="sixty-five", name="Sixty Five", kind=Payee.Kind.LABEL, label=agreed.label)
    LabelAgreement.objects.create(label=agreed.label, payee=label_payee, share_rate="0.65")
    singer = Payee.objects.create(code="singer", name="The Singer", kind=Payee.Kind.ARTIST)
    for track in agreed.tracks.all():
        RoyaltySplit.objects.create(release=agreed, track=track, payee=label_payee, basis_points=8_001)
        RoyaltySplit.objects.create(release=agreed, track=track, payee=singer, basis_points=1_999)
    return [own, licensed, agreed]


def _prices(rng: random.Random, releases: list[Release]) -> None:
    """Random flat prices on some tracks (some below the rights holders' floor), the store's per-MB rules
    elsewhere."""
    for release in releases:
        for track in release.tracks.all():
            for currency in ("GBP", "EUR", "USD", "RUB"):
                if rng.random() < 0.5:
                    PriceRule.objects.create(track=track, currency=currency, pricing_model=PriceRule.Model.PER_TRACK,
                                             track_price_minor=rng.randint(1, 400), minimum_minor=0)
    for currency in ("RUB",):
        PriceRule.objects.get_or_create(currency=currency, label=None, release=None, track=None, defaults={
            "pricing_model": PriceRule.Model.PER_MEGABYTE, "rate_per_mb": "1.5", "minimum_minor": 500})


def _buyers(count: int) -> list[Customer]:
    """Customers made directly (no password hashing: 10,000 sales need hundreds of buyers), funded."""
    from tests.royalties.conftest import fund

    made = []
    for n in range(count):
        country = COUNTRY_MIX[n % len(COUNTRY_MIX)]
        user = get_user_model().objects.create(username=f"random-{n}@example.com", email=f"random-{n}@example.com")
        customer = Customer.objects.create(user=user, country=country, currency=COUNTRIES[country].currency)
        fund(customer, 100_000_000, customer.currency)
        made.append(customer)
    return made


def _wishes(rng: random.Random, releases: list[Release]) -> list[OrderItem]:
    items = [OrderItem(fmt, track_id=t.pk) for r in releases for t in r.tracks.all() for fmt in FORMAT_MIX]
    items += [OrderItem(fmt, release_id=r.pk) for r in releases for fmt in FORMAT_MIX]
    rng.shuffle(items)
    return items


def _shop(rng: random.Random, buyers: list[Customer], releases: list[Release], target: int) -> tuple[int, int]:
    """Orders of one to three items until `target` lines are sold, a tenth of orders refunded later; half
    in October, half in November. Returns (lines sold, orders refunded)."""
    wishes = {b.pk: _wishes(rng, releases) for b in buyers}
    sold = refunded = 0
    paid: list[Order] = []
    while sold < target:
        buyer = rng.choice(buyers)
        items = [wishes[buyer.pk].pop() for _ in range(min(rng.randint(1, 3), len(wishes[buyer.pk])))]
        if not items:
            continue
        month = MONTHS[0] if sold < target // 2 else MONTHS[1]
        with clock(at(f"{month.first_day.isoformat()} 12:00")):
            try:
                order = place_order(buyer, items, f"random:{sold}:{buyer.pk}")
            except (NotAvailable, AlreadyOwned):  # the licensed release in Germany; a track of an owned album
                continue
            sold += order.lines.count()
            paid.append(order)
            if rng.random() < 0.1:
                refund_order(paid.pop(rng.randrange(len(paid))), f"refund:{sold}")
                refunded += 1
    return sold, refunded


@pytest.mark.django_db
def test_ten_thousand_random_sales_and_refunds_balance_to_the_minor_unit(tracks):
    rng = random.Random(SEED)
    releases = _catalogue(tracks)
    _prices(rng, releases)
    buyers = _buyers(_sales_count() // 60 + 12)
    sold, refunded = _shop(rng, buyers, releases, _sales_count())
    assert sold >= _sales_count() and refunded > 0

    assert verify_ledger().ok
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for period in MONTHS:
        found = statements(period)
        assert found and reconcile(period, found) == []  # every statement total is its ledger payable
        for code_currency, money in ledger_payables(period).items():
            totals[code_currency] += money.amount_minor
    for (code, currency), amount_minor in totals.items():  # the two months add up to the balances
        assert balance(f"payable:{code}:{currency}", currency) == Money(amount_minor, currency)
    _assert_vat_is_the_kept_lines_vat()
    assert {a.code for a in Account.objects.filter(code__startswith="store:sales:")} and all(
        a.balance_minor == 0 for a in Account.objects.filter(code__startswith="store:sales:"))

    run = pay_out({c: Money(1, c) for c in ("GBP", "EUR", "USD", "RUB")}, "random-payout")
    assert run.payouts.count() > 0 and verify_ledger().ok
    assert all(a.balance_minor <= 0 for a in Account.objects.filter(kind="payable"))  # clawbacks may stay < 0
    assert pay_out({c: Money(1, c) for c in ("GBP", "EUR", "USD", "RUB")}, "random-payout-2").payouts.count() == 0


def _assert_vat_is_the_kept_lines_vat() -> None:
    kept: dict[tuple[str, str], int] = defaultdict(int)
    for territory, currency, vat_minor in OrderLine.objects.filter(order__status=Order.Status.PAID).values_list(
            "order__territory", "currency", "vat_minor"):
        if vat_minor:
            kept[(territory, currency)] += vat_minor
    held = {(a.code.split(":")[1], a.currency): a.balance_minor
            for a in Account.objects.filter(kind="tax") if a.balance_minor}
    assert held == dict(kept) and len(held) >= 5  # GB, DE, FR, IE, NL and SE at least
