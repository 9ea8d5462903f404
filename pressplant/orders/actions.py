"""Buying: quote every item, then one transaction writes the order, its lines, the entitlements and one
balanced ledger entry (wallet -> store revenue). A repeated Idempotency-Key buys once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from pressplant.accounts.models import Customer
from pressplant.audio.formats import FORMATS
from pressplant.catalogue.models import Release, Track
from pressplant.delivery.cache import exact_sizes
from pressplant.ledger.actions import balance, post_entry
from pressplant.ledger.errors import InsufficientFunds
from pressplant.ledger.journal import EntryDraft, Posting
from pressplant.money import Money
from pressplant.orders.models import Entitlement, Order, OrderLine
from pressplant.pricing.actions import quote_for_release, quote_for_track
from pressplant.pricing.quote import Quote, upgrade_price


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
    quote: Quote
    charge: Money


def place_order(customer: Customer, items: Sequence[OrderItem], idempotency_key: str) -> Order:
    """Buy `items` from `customer`'s wallet. The same key with the same items returns the first order;
    with other items it is refused. Raises PaymentRequired when the balance is short (nothing moves)."""
    fingerprint = _fingerprint(items)
    if existing := _replay(customer, idempotency_key, fingerprint):
        return existing
    try:
        priced = [_price(customer, item) for item in items]
        if not priced:
            raise OrderError("the order is empty")
        return _write(customer, idempotency_key, fingerprint, priced)
    except (IntegrityError, AlreadyOwned) as exc:
        # A simultaneous request with the same key won the race: its order is the answer to this one too.
        if replayed := _replay(customer, idempotency_key, fingerprint):
            return replayed
        if isinstance(exc, AlreadyOwned):
            raise
        raise AlreadyOwned("you bought this a moment ago in another order: see your library") from None


def _fingerprint(items: Sequence[OrderItem]) -> str:
    canonical = sorted((i.format_name, i.track_id or 0, i.release_id or 0) for i in items)
    return hashlib.sha256(json.dumps(canonical).encode()).hexdigest()


def _replay(customer: Customer, key: str, fingerprint: str) -> Order | None:
    order = Order.objects.filter(customer=customer, idempotency_key=key).first()
    if order is not None and order.fingerprint != fingerprint:
        raise IdempotencyKeyReused(f"the Idempotency-Key {key!r} was used for another order")
    return order


def _price(customer: Customer, item: OrderItem) -> _Priced:
    if item.format_name not in FORMATS:
        raise UnknownFormat(f"{item.format_name!r} is not a format on sale; formats: {', '.join(FORMATS)}")
    if item.track_id is not None and item.release_id is None:
        return _price_track(customer, item, item.track_id)
    if item.release_id is not None and item.track_id is None:
        return _price_release(customer, item, item.release_id)
    raise UnknownItem("each item names either a track or a release")


def _price_track(customer: Customer, item: OrderItem, track_id: int) -> _Priced:
    track = Track.objects.select_related("release", "release__label", "master").filter(
        pk=track_id, release__status=Release.Status.LIVE).first()
    if track is None:
        raise UnknownItem(f"track {track_id} is not for sale")
    quote = quote_for_track(track, item.format_name, customer.currency,
                            exact_sizes([track], item.format_name).get(track.pk))
    return _Priced(item, track, None, quote, _charge(customer, quote.price, track=track, fmt=item.format_name))


def _price_release(customer: Customer, item: OrderItem, release_id: int) -> _Priced:
    release = Release.objects.on_sale().filter(pk=release_id).first()
    if release is None:
        raise UnknownItem(f"release {release_id} is not for sale")
    tracks = list(release.tracks.select_related("release", "release__label", "master"))
    quote = quote_for_release(release, item.format_name, customer.currency, exact_sizes(tracks, item.format_name))
    return _Priced(item, None, release, quote, _charge(customer, quote.price, release=release, fmt=item.format_name))


def _charge(customer: Customer, price: Money, *, fmt: str, track: Track | None = None,
            release: Release | None = None) -> Money:
    """The list price, less what the buyer already paid for the same item in another format (an upgrade)."""
    owned = Entitlement.objects.filter(customer=customer, track=track, release=release)
    if track is not None:
        owned = Entitlement.objects.covering_track(customer, track)
    if any(e.format_name == fmt for e in owned):
        raise AlreadyOwned(f"you already own {track or release} in {fmt}: download it from your library")
    paid = max((e.order_line.price_minor for e in owned if e.track_id == (track.pk if track else None)), default=0)
    return upgrade_price(Money(paid, price.currency), price)


def _write(customer: Customer, key: str, fingerprint: str, priced: list[_Priced]) -> Order:
    total = Money(sum(p.charge.amount_minor for p in priced), customer.currency)
    try:
        with transaction.atomic():
            order = Order.objects.create(customer=customer, idempotency_key=key, fingerprint=fingerprint,
                                         total_minor=total.amount_minor, currency=total.currency)
            for p in priced:
                line = OrderLine.objects.create(
                    order=order, track=p.track, release=p.release, format_name=p.item.format_name,
                    size_bytes=p.quote.size_bytes, size_is_exact=p.quote.size_is_exact,
                    list_price_minor=p.quote.price.amount_minor, price_minor=p.charge.amount_minor,
                    currency=p.charge.currency, basis=p.quote.basis[:300])
                Entitlement.objects.create(customer=customer, track=p.track, release=p.release,
                                           format_name=p.item.format_name, order_line=line)
            if total.amount_minor:
                entry = post_entry(EntryDraft(key=f"order:{order.pk}", kind="purchase", memo=f"order {order.pk}",
                                              postings=(Posting(debit=customer.wallet_account,
                                                                credit=f"store:revenue:{total.currency}",
                                                                amount=total),)))
                order.ledger_entry_id = entry.pk
                order.save(update_fields=["ledger_entry_id"])
    except InsufficientFunds as exc:
        held = balance(customer.wallet_account, customer.currency)
        raise PaymentRequired(f"your balance is {held.format()}; this order costs {total.format()}") from exc
    return order
