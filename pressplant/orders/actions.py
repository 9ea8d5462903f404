"""Buying: quote every item where the buyer is, then one transaction writes the order (with its territory
evidence), its lines, the entitlements and, per line, one balanced ledger entry: the sale and its split
(VAT, the label and its payees, the mechanical, the store). A repeated Idempotency-Key buys once.
Refunds reverse each line's entry whole and revoke what the order granted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone

from pressplant.accounts.models import Customer
from pressplant.audio.formats import FORMATS
from pressplant.catalogue.models import Release, Track
from pressplant.delivery.cache import exact_sizes
from pressplant.ledger.actions import Reversal, balance, post_entries, reverse_entries
from pressplant.ledger.errors import InsufficientFunds
from pressplant.ledger.journal import EntryDraft
from pressplant.ledger.models import Entry
from pressplant.money import Money
from pressplant.orders.models import PARTS_KEY_COLUMNS, Entitlement, Order, OrderLine, parts_key
from pressplant.orders.sales import (
    Evidence,
    Offer,
    Part,
    Split,
    TerritoryConflict,
    offer_for,
    sale_parts,
    sale_postings,
    split_of,
    territory_of,
)
from pressplant.pricing.actions import quote_for_release, quote_for_track
from pressplant.pricing.quote import upgrade_price
from pressplant.rights.availability import Status
from pressplant.rights.licences import track_for_sale
from pressplant.rights.models import Payee, existing_payee_codes
from pressplant.rights.split import PriceBelowFloor

_Model = TypeVar("_Model", bound=Model)


class OrderError(Exception):
    """An order that cannot be placed; the message says why, in the buyer's terms. Nothing was charged."""

    code = "order_refused"


class PaymentRequired(OrderError):
    code = "insufficient_funds"


class AlreadyOwned(OrderError):
    code = "already_owned"


class IdempotencyKeyReused(OrderError):
    code = "idempotency_key_reused"


class UnknownItem(OrderError):
    code = "unknown_item"


class UnknownFormat(OrderError):
    code = "unknown_format"


class NotAvailable(OrderError):
    """Licensed elsewhere, not yet, no longer, withdrawn: the message is the buyer's reason."""

    code = "not_available"


class WrongTerritory(OrderError):
    code = "territory_conflict"


@dataclass(frozen=True, slots=True)
class OrderItem:
    format_name: str
    track_id: int | None = None
    release_id: int | None = None


@dataclass(frozen=True, slots=True)
class _Priced:
    item: OrderItem
    track: Track | None
    release: Release | None
    offer: Offer
    charge: Money
    split: Split | None


def place_order(customer: Customer, items: Sequence[OrderItem], idempotency_key: str,
                detected_country: str | None = None) -> Order:
    """Buy `items` from `customer`'s wallet where the buyer is (`detected_country`: the trusted proxy's
    IP-country header, if the operator set one). The same key with the same items returns the first order;
    with other items it is refused. Raises PaymentRequired when the balance is short, NotAvailable when an
    item is not on sale there and then, WrongTerritory when the evidence disagrees (nothing moves)."""
    fingerprint = _fingerprint(items)
    try:
        return _place(customer, items, idempotency_key, fingerprint, detected_country)
    except (IntegrityError, OrderError) as exc:
        # The key may have bought already (a repeat, or a simultaneous request with it that won the race):
        # that order is the answer, whatever would refuse this one now. Looked up only here: the order's
        # unique key refuses the repeat's INSERT, so a first request pays no extra read for it.
        if replayed := _replay(customer, idempotency_key, fingerprint):
            return replayed
        if isinstance(exc, OrderError):
            raise
        raise AlreadyOwned("you bought this a moment ago in another order: see your library") from None


def _place(customer: Customer, items: Sequence[OrderItem], key: str, fingerprint: str,
           detected_country: str | None) -> Order:
    try:
        evidence = territory_of(customer.country, detected_country)
    except TerritoryConflict as exc:
        raise WrongTerritory(str(exc)) from None
    at = timezone.now()
    priced = [_price(customer, item, evidence, at) for item in items]
    if not priced:
        raise OrderError("the order is empty")
    return _write(customer, key, fingerprint, priced, evidence)


def _fingerprint(items: Sequence[OrderItem]) -> str:
    canonical = sorted((i.format_name, i.track_id or 0, i.release_id or 0) for i in items)
    return hashlib.sha256(json.dumps(canonical).encode()).hexdigest()


def _replay(customer: Customer, key: str, fingerprint: str) -> Order | None:
    order = Order.objects.filter(customer=customer, idempotency_key=key).first()
    if order is not None and order.fingerprint != fingerprint:
        raise IdempotencyKeyReused(f"the Idempotency-Key {key!r} was used for another order")
    return order


def _price(customer: Customer, item: OrderItem, evidence: Evidence, at: datetime) -> _Priced:
    if item.format_name not in FORMATS:
        raise UnknownFormat(f"{item.format_name!r} is not a format on sale; formats: {', '.join(FORMATS)}")
    if item.track_id is not None and item.release_id is None:
        track = track_for_sale(item.track_id)
        if track is None:
            raise UnknownItem(f"track {item.track_id} is not for sale")
        quote = quote_for_track(track, item.format_name, customer.currency,
                                exact_sizes([track], item.format_name).get(track.pk))
        return _priced(customer, item, track, offer_for(track, quote, evidence.territory, at), evidence, at)
    if item.release_id is not None and item.track_id is None:
        try:
            release = Release.objects.on_sale().select_related("licence").get(pk=item.release_id)
        except Release.DoesNotExist:
            raise UnknownItem(f"release {item.release_id} is not for sale") from None
        tracks = list(release.tracks.select_related("master").order_by("disc_number", "position"))
        quote = quote_for_release(release, item.format_name, customer.currency,
                                  exact_sizes(tracks, item.format_name), tracks=tracks)
        return _priced(customer, item, release, offer_for(release, quote, evidence.territory, at), evidence, at)
    raise UnknownItem("each item names either a track or a release")


def _priced(customer: Customer, item: OrderItem, thing: Track | Release, offer: Offer, evidence: Evidence,
            at: datetime) -> _Priced:
    """Refuse what cannot be bought here and now; charge the offer (less an upgrade's credit) and split it."""
    if not offer.can_buy:
        raise NotAvailable(f"{thing}: {offer.reason}")
    track, release = (thing, None) if isinstance(thing, Track) else (None, thing)
    charge, is_upgrade = _charge(customer, offer.price, track=track, release=release, fmt=item.format_name)
    if not charge.amount_minor:
        return _Priced(item, track, release, offer, charge, None)
    if not is_upgrade and offer.split is not None and offer.split.sale.price == charge:
        return _Priced(item, track, release, offer, charge, offer.split)
    payees = offer.split.payees if offer.split is not None else None
    try:
        split = split_of(thing, charge, evidence.territory, at, offer.standing, is_upgrade=is_upgrade, payees=payees)
    except PriceBelowFloor as exc:  # an upgrade's difference below what the rights holders need
        if exc.floor >= offer.price:  # not even the full price splits by percentage: charge the offer as it is
            assert offer.split is not None  # a buyable, priced offer carries its split
            return _Priced(item, track, release, offer, offer.price, offer.split)
        charge = exc.floor
        split = split_of(thing, charge, evidence.territory, at, offer.standing, is_upgrade=is_upgrade, payees=payees)
    return _Priced(item, track, release, offer, charge, split)


def _charge(customer: Customer, price: Money, *, fmt: str, track: Track | None = None,
            release: Release | None = None) -> tuple[Money, bool]:
    """The list price, less what the buyer already paid for the same item in another format (an upgrade)."""
    held = Entitlement.objects.held(customer, track=track, release=release)
    if any(format_name == fmt for format_name, _, _ in held):
        raise AlreadyOwned(f"you already own {track or release} in {fmt}: download it from your library")
    item_track_id = track.pk if track else None
    paid = max((price_minor for _, track_id, price_minor in held if track_id == item_track_id), default=0)
    return upgrade_price(Money(paid, price.currency), price), paid > 0


def _write(customer: Customer, key: str, fingerprint: str, priced: list[_Priced], evidence: Evidence) -> Order:
    total = Money(sum(p.charge.amount_minor for p in priced), customer.currency)
    try:
        with transaction.atomic():
            order = _insert_order(customer, key, fingerprint, total, evidence)
            lines = list(zip(_insert_lines(order, priced), priced, strict=True))
            _insert_entitlements(customer, lines)
            _post_sales(customer, order, lines)
    except InsufficientFunds as exc:
        held = balance(customer.wallet_account, customer.currency)
        raise PaymentRequired(f"your balance is {held.format()}; this order costs {total.format()}") from exc
    return order


# Every purchase writes its order, lines, entitlements and sale parts by hand-written INSERTs: the ORM's
# create() and bulk_create() cost more client CPU than the database spends on the rows. The instances are
# built first (their fields are the columns) and marked saved, as create() would leave them.

def _saved(instance: _Model, pk: int) -> _Model:
    """`instance` with the id its row got, marked as read from the database (a save() would UPDATE)."""
    instance.pk = pk
    instance._state.adding, instance._state.db = False, connection.alias
    return instance


def _insert(table: str, columns: tuple[str, ...], rows: Sequence[Sequence[Any]], returning: bool) -> list[int]:
    """INSERT `rows` into `table`; with `returning`, their new ids in the rows' order (as bulk_create,
    which relies on both databases returning a multi-row VALUES insert's rows in order)."""
    values = ", ".join([f"({', '.join(['%s'] * len(columns))})"] * len(rows))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values}"  # noqa: S608  (names are ours)
    with connection.cursor() as cursor:
        cursor.execute(sql + (" RETURNING id" if returning else ""), [v for row in rows for v in row])
        return [pk for (pk,) in cursor.fetchall()] if returning else []


def _insert_order(customer: Customer, key: str, fingerprint: str, total: Money, evidence: Evidence) -> Order:
    order = Order(customer=customer, idempotency_key=key, fingerprint=fingerprint, total_minor=total.amount_minor,
                  currency=total.currency, territory=evidence.territory, declared_country=evidence.declared_country,
                  detected_country=evidence.detected_country, created_at=timezone.now())
    columns = ("customer_id", "idempotency_key", "fingerprint", "status", "total_minor", "currency", "territory",
               "declared_country", "detected_country", "refund_key", "created_at")
    row = (*(getattr(order, column) for column in columns[:-1]), _stamp(order.created_at))
    return _saved(order, _insert("orders_order", columns, [row], returning=True)[0])


def _insert_lines(order: Order, priced: list[_Priced]) -> list[OrderLine]:
    lines = [_line(order, p) for p in priced]
    columns = ("order_id", "track_id", "release_id", "format_name", "size_bytes", "size_is_exact", "list_price_minor",
               "price_minor", "currency", "basis", "vat_minor", "vat_rate")
    rows = [tuple(getattr(line, column) for column in columns) for line in lines]
    return [_saved(line, pk) for line, pk in zip(lines, _insert("orders_orderline", columns, rows, returning=True),
                                                  strict=True)]


def _insert_entitlements(customer: Customer, lines: list[tuple[OrderLine, _Priced]]) -> None:
    created_at = _stamp(timezone.now())
    columns = ("customer_id", "track_id", "release_id", "format_name", "order_line_id", "available_at",
               "revoked_reason", "created_at")
    rows = [(customer.pk, p.track.pk if p.track else None, p.release.pk if p.release else None, p.item.format_name,
             line.pk, _stamp(_opens_at(p)), "", created_at) for line, p in lines]
    _insert("orders_entitlement", columns, rows, returning=False)


def _stamp(moment: datetime | None) -> object:
    """A datetime as the database takes it (SQLite stores naive UTC text)."""
    return connection.ops.adapt_datetimefield_value(moment)


def _line(order: Order, p: _Priced) -> OrderLine:
    """The line: the item, its format and the quote frozen as bought."""
    vat = p.split.sale.vat if p.split else Money.zero(p.charge.currency)
    return OrderLine(order=order, track=p.track, release=p.release, format_name=p.item.format_name,
                     size_bytes=p.offer.quote.size_bytes, size_is_exact=p.offer.quote.size_is_exact,
                     list_price_minor=p.offer.price.amount_minor, price_minor=p.charge.amount_minor,
                     currency=p.charge.currency, basis=p.offer.quote.basis[:300], vat_minor=vat.amount_minor,
                     vat_rate=p.offer.vat_rate if p.split else Decimal(0))


def _opens_at(p: _Priced) -> datetime | None:
    """When the right to download opens: the release date for a pre-order, else at once (None)."""
    availability = p.offer.standing.availability
    return availability.starts_at if availability.status == Status.PRE_ORDER else None


def _post_sales(customer: Customer, order: Order, lines: list[tuple[OrderLine, _Priced]]) -> None:
    """Each paid line's parts, frozen for receipts and statements, and its sale entry: all the order's
    entries posted together, so its accounts are locked once, in one order."""
    parts = {line.pk: sale_parts(p.split, order.territory) for line, p in lines if p.split is not None}
    sold = [(line, p) for line, p in lines if line.pk in parts]
    if not sold:
        return
    stored = {line.pk: [part.row() for part in parts[line.pk]] for line, _ in sold}
    _insert("orders_salepart", ("line_id", *PARTS_KEY_COLUMNS),
            [(line.pk, *row) for line, _ in sold for row in stored[line.pk]], returning=False)
    _ensure_payees([part for line_parts in parts.values() for part in line_parts if part.role == "mechanical"])

    def link(entries: list[Entry]) -> None:  # before the balances are locked: see post_entries
        for (line, _), entry in zip(sold, entries, strict=True):
            line.ledger_entry_id = entry.pk
            line.parts_key = parts_key(stored[line.pk])
        _link_entries([line for line, _ in sold])

    post_entries([EntryDraft(key=f"sale:{line.pk}", kind="sale", memo=f"order {order.pk} line {line.pk}",
                             postings=sale_postings(customer.wallet_account, parts[line.pk], p.charge))
                  for line, p in sold], savepoint=False, on_written=link)  # a refusal rolls the order back


def _link_entries(lines: list[OrderLine]) -> None:
    """Each line's ledger_entry_id and parts_key, in one UPDATE."""
    cases = " ".join(["WHEN %s THEN %s"] * len(lines))
    sql = (f"UPDATE orders_orderline SET ledger_entry_id = CASE id {cases} END, "  # noqa: S608  (placeholders)
           f"parts_key = CASE id {cases} END WHERE id IN ({', '.join(['%s'] * len(lines))})")
    params = ([v for line in lines for v in (line.pk, line.ledger_entry_id)]
              + [v for line in lines for v in (line.pk, line.parts_key)] + [line.pk for line in lines])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _ensure_payees(parts: list[Part]) -> None:
    """Collecting societies get a payee row on their first sale, so statements and payouts find them.
    (The other parts' payees were read from their rows: only the mechanical's comes from a table in code.)"""
    named = {part.payee_code: part for part in parts if part.payee_code}
    if not named:
        return
    known = existing_payee_codes(list(named))
    Payee.objects.bulk_create([
        Payee(code=code, name=part.payee_name, kind=Payee.Kind.SOCIETY if part.role == "mechanical" else part.role)
        for code, part in sorted(named.items()) if code not in known], ignore_conflicts=True)


def refund_order(order: Order, idempotency_key: str, reason: str = "") -> Order:
    """Give the buyer their money back: every line's sale entry reversed whole (VAT, royalties, margin),
    the order's entitlements revoked. Once: a repeat with the same key returns the refunded order."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status == Order.Status.REFUNDED:
            if order.refund_key != idempotency_key:
                raise OrderError(f"order {order.pk} was already refunded")
            return order
        now = timezone.now()
        reverse_entries([Reversal(line.ledger_entry_id, f"refund:{order.pk}:{line.pk}",
                                  f"refund of order {order.pk} line {line.pk}: {reason}".rstrip(": "))
                         for line in order.lines.all() if line.ledger_entry_id is not None])
        Entitlement.objects.filter(order_line__order=order, revoked_at=None).update(
            revoked_at=now, revoked_reason=f"order refunded{': ' + reason if reason else ''}"[:300])
        order.refunded_at = now
        order.refund_key = idempotency_key
        order.save(update_fields=["refunded_at", "refund_key"])
        order.transition_to(Order.Status.REFUNDED)
    return order
