"""State changes of the payments app, one transaction each: make vouchers, redeem one, credit a top-up.

Every credit is one balanced ledger entry with a deterministic key, so a retry (a second click, a webhook
delivered again) can never move money twice:

- voucher redemption: key `voucher:<voucher id>`; the voucher row's conditional UPDATE
  (`... WHERE redeemed_at IS NULL`) decides the single winner among simultaneous attempts;
- provider top-up: key `<provider>:<checkout session id>` (one credit per paid checkout, whichever event
  reports it and however often).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from pressplant.ledger.actions import balance, post_entry
from pressplant.ledger.journal import EntryDraft, Posting, wallet_account
from pressplant.money import Money
from pressplant.payments import codes
from pressplant.payments.bonus import bonus_for
from pressplant.payments.errors import InvalidVoucherBatch, ProviderError, VoucherAlreadyRedeemed, VoucherNotFound
from pressplant.payments.models import BATCH_MAX_LENGTH, Voucher
from pressplant.payments.providers import ProviderEvent

MAX_VOUCHERS_PER_BATCH = 100_000
_LOCKED_RETRIES = 50


@dataclass(frozen=True, slots=True)
class Redemption:
    """What a customer sees after redeeming: the voucher's value, any bonus, and the wallet's new balance."""

    voucher_amount: Money
    bonus: Money
    balance: Money
    entry_id: int


@dataclass(frozen=True, slots=True)
class TopUp:
    """A provider payment credited to a wallet (or found already credited: same entry)."""

    customer_id: int
    amount: Money
    bonus: Money
    entry_id: int


def create_vouchers(amount: Money, count: int, batch: str = "") -> list[str]:
    """Make `count` vouchers worth `amount` and return their codes: the only time the codes exist in clear."""
    if amount.amount_minor <= 0:
        raise InvalidVoucherBatch(f"a voucher must be worth more than nothing, got {amount.format()}")
    if not 1 <= count <= MAX_VOUCHERS_PER_BATCH:
        raise InvalidVoucherBatch(f"count must be between 1 and {MAX_VOUCHERS_PER_BATCH}, got {count}")
    if len(batch) > BATCH_MAX_LENGTH:
        raise InvalidVoucherBatch(f"a batch label has at most {BATCH_MAX_LENGTH} characters, got {len(batch)}")
    plain = [codes.new_code() for _ in range(count)]
    rows = []
    for code in plain:
        normalised = codes.normalise(code)
        assert normalised is not None
        rows.append(
            Voucher(
                code_hash=codes.code_hash(normalised, settings.SECRET_KEY),
                code_prefix=codes.code_prefix(normalised),
                amount_minor=amount.amount_minor,
                currency=amount.currency,
                batch=batch,
            )
        )
    with transaction.atomic():
        Voucher.objects.bulk_create(rows, batch_size=1000)
    return plain


def redeem_voucher(customer_id: int, code: str) -> Redemption:
    """Credit the voucher's value (plus any bonus) to the customer's wallet, once, ever.

    Raises VoucherNotFound for a code that does not exist (or is not a code) and VoucherAlreadyRedeemed
    for one redeemed before. The two are told apart on purpose: with 80 random bits per code, probing is
    hopeless, and a customer who typed a code twice deserves to know why. Rate-limit the interfaces anyway.
    A ledger error (e.g. a wallet held in another currency) rolls the redemption back. SQLite's "locked"
    (a writer queue longer than its busy timeout) is retried when we own the transaction; PostgreSQL
    queues the losers on the row lock and their UPDATE then matches nothing.
    """
    for attempt in range(_LOCKED_RETRIES):
        try:
            return _redeem_once(customer_id, code)
        except OperationalError as error:
            if connection.in_atomic_block or "locked" not in str(error) or attempt == _LOCKED_RETRIES - 1:
                raise
            time.sleep(random.uniform(0.005, 0.02) * (attempt + 1))  # noqa: S311 (jitter, not a secret)
    raise AssertionError("unreachable")


def _redeem_once(customer_id: int, code: str) -> Redemption:
    voucher = _find_voucher(code)
    with transaction.atomic():
        _claim(voucher, customer_id)
        amount = voucher.amount
        bonus = bonus_for(amount)
        entry = post_entry(_credit_draft(f"voucher:{voucher.pk}", "voucher", "vouchers", customer_id, amount, bonus))
        Voucher.objects.filter(pk=voucher.pk).update(ledger_entry_id=entry.id)
        return Redemption(amount, bonus, _wallet_balance(customer_id, amount.currency), entry.id)


def credit_top_up(event: ProviderEvent) -> TopUp:
    """Credit a paid checkout reported by a provider's webhook; a repeat returns the first entry.

    The bonus is judged at the event's own time, so every delivery of it asks the ledger for the same
    entry (a rule edited between deliveries would make the ledger raise IdempotencyConflict: a 500, and
    the provider retries while someone looks).
    """
    if not event.is_paid or event.amount is None or event.customer_id is None:
        raise ProviderError(f"{event.provider} event {event.event_id} is not a paid top-up; nothing to credit")
    bonus = bonus_for(event.amount, at=event.created_at)
    key = f"{event.provider}:{event.session_id}"
    draft = _credit_draft(key, "top_up", event.provider, event.customer_id, event.amount, bonus)
    entry = post_entry(draft)  # its own transaction; outside one, the ledger retries SQLite's "locked"
    return TopUp(event.customer_id, event.amount, bonus, entry.id)


def _find_voucher(code: str) -> Voucher:
    normalised = codes.normalise(code)
    if normalised is None:
        raise VoucherNotFound(f"{code.strip()[:40]!r} is not a voucher code (16 letters and digits)")
    try:
        return Voucher.objects.get(code_hash=codes.code_hash(normalised, settings.SECRET_KEY))
    except Voucher.DoesNotExist:
        raise VoucherNotFound(f"no voucher has the code {codes.code_prefix(normalised)}-…") from None


def _claim(voucher: Voucher, customer_id: int) -> None:
    """The conditional UPDATE: exactly one transaction sees one row changed; the others see none."""
    claimed = Voucher.objects.filter(pk=voucher.pk, redeemed_at__isnull=True).update(
        redeemed_by=customer_id, redeemed_at=timezone.now()
    )
    if claimed != 1:
        raise VoucherAlreadyRedeemed(f"voucher {voucher.code_prefix}-… has already been redeemed")


def _credit_draft(key: str, kind: str, source: str, customer_id: int, amount: Money, bonus: Money) -> EntryDraft:
    """Money in from `source` to the wallet, plus the bonus from the store's promotions budget."""
    wallet = wallet_account(customer_id)
    postings = [Posting(debit=f"external:{source}:{amount.currency}", credit=wallet, amount=amount)]
    if not bonus.is_zero:
        postings.append(Posting(debit=f"store:promotions:{bonus.currency}", credit=wallet, amount=bonus))
    memo = f"{kind} {key.split(':', 1)[1]} for customer {customer_id}"
    return EntryDraft(key=key, kind=kind, postings=tuple(postings), memo=memo)


def _wallet_balance(customer_id: int, currency: str) -> Money:
    return balance(wallet_account(customer_id), currency)
