"""Sales and refunds written the way the store records them: one `sale:<line id>` ledger entry per order
line (wallet -> store:sales, then store:sales -> VAT, each payee's payable account, the store's margin),
a SalePart row per part, and a refund as the ledger reversal of that entry; each at a chosen time.

The catalogue is made of rows (no audio): royalties read titles, ISRCs and durations, never files."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from unittest import mock

import pytest

from pressplant.accounts.actions import sign_up
from pressplant.accounts.models import Customer
from pressplant.catalogue.models import Label, Master, Release, Track
from pressplant.ledger.actions import post_entry, reverse_entry
from pressplant.ledger.journal import EntryDraft, Posting
from pressplant.money import Money
from pressplant.orders.models import PARTS_KEY_COLUMNS, Order, OrderLine, SalePart, parts_key
from pressplant.rights.models import Payee
from tests.catalogue.conftest import media_storage  # noqa: F401  (empty storage per test)
from tests.delivery.conftest import album_tree, tracks  # noqa: F401  (the ingested album, for real sales)


def at(text: str) -> datetime:
    """"2026-11-03 10:00" -> that instant in UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@contextmanager
def clock(moment: datetime) -> Iterator[None]:
    """Rows created inside get `moment` as their created_at (auto_now_add reads timezone.now)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


@dataclass(frozen=True)
class Share:
    """One payee part of a sale: role, payee code and name, amount in minor units."""

    role: str
    code: str
    name: str
    amount_minor: int


def fund(customer: Customer, amount_minor: int, currency: str = "GBP") -> None:
    money = Money(amount_minor, currency)
    post_entry(EntryDraft(key=f"topup:{uuid.uuid4().hex}", kind="topup", postings=(
        Posting(debit=f"external:test:{currency}", credit=customer.wallet_account, amount=money),)))


def sell(customer: Customer, item: Track | Release, *, when: datetime, price_minor: int, vat_minor: int,
         shares: Sequence[Share], territory: str = "GB", currency: str = "GBP", format_name: str = "flac",
         list_price_minor: int | None = None) -> OrderLine:
    """Record one sale at `when`; the store keeps what VAT and the shares leave."""
    margin = price_minor - vat_minor - sum(s.amount_minor for s in shares)
    assert margin >= 0, "the shares cannot exceed the ex-VAT price"
    with clock(when):
        order = Order.objects.create(customer=customer, idempotency_key=uuid.uuid4().hex, fingerprint="-",
                                     total_minor=price_minor, currency=currency, territory=territory,
                                     declared_country=territory)
        line = OrderLine.objects.create(
            order=order, track=item if isinstance(item, Track) else None,
            release=item if isinstance(item, Release) else None, format_name=format_name, size_bytes=1,
            size_is_exact=True, list_price_minor=list_price_minor or price_minor, price_minor=price_minor,
            currency=currency, basis="test price", vat_minor=vat_minor,
            vat_rate=Decimal("0.20") if vat_minor else Decimal(0))
        parts = [("vat", f"tax:{territory}:{currency}", "", "", vat_minor, f"VAT {territory}"),
                 *((s.role, f"payable:{s.code}:{currency}", s.code, s.name, s.amount_minor, f"{s.role} share")
                   for s in shares),
                 ("store", f"store:revenue:{currency}", "", "", margin, "store margin")]
        parts = [p for p in parts if p[4] > 0]
        sales = f"store:sales:{currency}"
        entry = post_entry(EntryDraft(key=f"sale:{line.pk}", kind="sale", memo=f"order line {line.pk}", postings=(
            Posting(customer.wallet_account, sales, Money(price_minor, currency)),
            *(Posting(sales, account, Money(amount, currency)) for _, account, _, _, amount, _ in parts))))
        stored = [(role, account, code, name, amount, currency, basis) for role, account, code, name, amount, basis
                  in parts]
        line.ledger_entry_id, line.parts_key = entry.pk, parts_key(stored)
        line.save(update_fields=["ledger_entry_id", "parts_key"])
        SalePart.objects.bulk_create([SalePart(line=line, **dict(zip(PARTS_KEY_COLUMNS, row, strict=True)))
                                      for row in stored])
    return line


def refund(line: OrderLine, when: datetime) -> None:
    """Reverse the line's sale entry at `when` (the ledger entry is dated then)."""
    assert line.ledger_entry_id is not None
    with clock(when):
        reverse_entry(line.ledger_entry_id, key=f"refund:{line.pk}", memo=f"refund of order line {line.pk}")
    order = line.order
    if order.status == Order.Status.PAID:
        order.transition_to(Order.Status.REFUNDED)
        order.refunded_at = when
        order.save(update_fields=["refunded_at"])


@dataclass(frozen=True)
class Catalogue:
    label: Label
    other_label: Label
    album: Release
    tracks: list[Track]
    single: Release
    label_payee: Payee
    artist_payee: Payee
    other_payee: Payee


def _track(release: Release, position: int, title: str, isrc: str, duration_ms: int) -> Track:
    master = Master.objects.create(sha256=f"{release.pk:032d}{position:032d}", storage_key=f"m/{title}.flac",
                                   original_name=f"{title}.flac", size_bytes=1, codec="FLAC", container="flac",
                                   sample_rate_hz=44_100, bit_depth=16, channels=2,
                                   duration_samples=duration_ms * 441 // 10, integrated_lufs=-14.0,
                                   true_peak_dbtp=-1.0)
    return Track.objects.create(release=release, position=position, title=title, isrc=isrc,
                                artist_display=release.artist_display, master=master, duration_ms=duration_ms)


@pytest.fixture
def catalogue(db) -> Catalogue:
    label = Label.objects.create(name="Cache Records")
    other_label = Label.objects.create(name="Other Label")
    album = Release.objects.create(title="Cache Songs", artist_display="The Encoders", upc="5710261026118",
                                   label=label, p_line="2026 Cache Records")
    album_tracks = [_track(album, 1, "One", "GBXYZ2600001", 195_250),
                    _track(album, 2, "Two\tTab | Pipe", "GBXYZ2600002", 61_000)]
    single = Release.objects.create(title="Elsewhere", artist_display="Someone Else", upc="",
                                    release_type=Release.Type.SINGLE, label=other_label)
    _track(single, 1, "Elsewhere", "", 120_000)
    return Catalogue(
        label, other_label, album, album_tracks, single,
        Payee.objects.create(code="cache-records", name="Cache Records Ltd", kind=Payee.Kind.LABEL, label=label,
                             email="money@cache.example"),
        Payee.objects.create(code="the-encoders", name="The Encoders", kind=Payee.Kind.ARTIST, label=label),
        Payee.objects.create(code="other-label", name="Other Label", kind=Payee.Kind.LABEL, label=other_label),
    )


@pytest.fixture
def customer(db) -> Customer:
    buyer = sign_up("royalties-buyer@example.com", "correct horse battery staple", "GB")
    fund(buyer, 100_000)
    return buyer
