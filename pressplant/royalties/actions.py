"""Paying royalties out. `pay_out` is one transaction: it records the run, posts one payout entry per
payee and currency (payable -> external:payouts) and the Payout rows, or, on any failure, nothing.

Nothing is paid twice: the run's key is unique (the same key replays the first run, other inputs under it
are refused), and every run pays what the payable accounts hold, which earlier payouts already reduced.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum

from pressplant.ledger.actions import post_entry
from pressplant.ledger.journal import EntryDraft, Posting
from pressplant.ledger.models import Account
from pressplant.ledger.models import Posting as PostingRow
from pressplant.money import CURRENCY_EXPONENTS, Money, MoneyError
from pressplant.orders.models import SalePart
from pressplant.rights.models import Payee
from pressplant.royalties.documents import payout_csv
from pressplant.royalties.errors import InvalidThreshold, PayoutKeyReused
from pressplant.royalties.models import RUN_KEY_MAX_LENGTH, Payout, PayoutRun

PAYOUT_KIND = "payout"


@dataclass(frozen=True, slots=True)
class Due:
    """What the store owes one payee in one currency."""

    payee_code: str
    account: str
    amount: Money


def pay_out(thresholds: Mapping[str, Money], key: str, *, accrued_before: datetime | None = None) -> PayoutRun:
    """Pay every payee whose due amount in a currency of `thresholds` is at least that threshold.

    `accrued_before` (e.g. the end of a month) pays only what accrued before it, less every earlier
    payout; None pays the whole balance. A repeat of `key` with the same inputs returns the first run;
    with other inputs it raises PayoutKeyReused. Raises InvalidThreshold for a bad threshold."""
    _check(thresholds, key)
    fingerprint = _fingerprint(thresholds, accrued_before)
    if (run := _replay(key, fingerprint)) is not None:
        return run
    try:
        with transaction.atomic():
            return _run(thresholds, key, fingerprint, accrued_before)
    except IntegrityError:
        if (run := _replay(key, fingerprint)) is not None:  # a simultaneous run with the same key won
            return run
        raise


def thresholds_from(values: list[str], currencies: list[str]) -> dict[str, Money]:
    """Thresholds as people type them: "EUR=12.00" for one currency, or "10.00" for every currency in
    `currencies`. Raises InvalidThreshold for anything else."""
    thresholds: dict[str, Money] = {}
    for value in values:
        currency, _, amount = value.rpartition("=")
        targets = [currency.strip().upper()] if currency else [c.strip().upper() for c in currencies]
        if not targets:
            raise InvalidThreshold(f"threshold {value!r}: name its currency (GBP=10.00) or give --currency")
        try:
            thresholds.update({target: Money.parse(amount, target) for target in targets})
        except MoneyError as exc:
            raise InvalidThreshold(f"threshold {value!r}: {exc}") from None
    return thresholds


def _check(thresholds: Mapping[str, Money], key: str) -> None:
    if not key.strip() or len(key) > RUN_KEY_MAX_LENGTH:
        raise InvalidThreshold(f"a payout run key must be 1-{RUN_KEY_MAX_LENGTH} characters, got {key!r}")
    if not thresholds:
        raise InvalidThreshold("give a threshold for at least one currency, e.g. 10.00 GBP")
    for currency, threshold in thresholds.items():
        if currency not in CURRENCY_EXPONENTS or threshold.currency != currency:
            raise InvalidThreshold(f"threshold {threshold.format()} given for {currency!r}")
        if threshold.amount_minor < 0:
            raise InvalidThreshold(f"a threshold cannot be negative, got {threshold.format()}")


def _fingerprint(thresholds: Mapping[str, Money], accrued_before: datetime | None) -> str:
    request = {"thresholds": {c: m.amount_minor for c, m in sorted(thresholds.items())},
               "accrued_before": accrued_before.isoformat() if accrued_before else None}
    return hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()


def _replay(key: str, fingerprint: str) -> PayoutRun | None:
    run = PayoutRun.objects.filter(key=key).first()
    if run is not None and run.fingerprint != fingerprint:
        raise PayoutKeyReused(f"payout run {key!r} was made with other thresholds or another cut-off; "
                              f"use a new key for a new run")
    return run


def _run(thresholds: Mapping[str, Money], key: str, fingerprint: str, accrued_before: datetime | None) -> PayoutRun:
    run = PayoutRun.objects.create(key=key, fingerprint=fingerprint, accrued_before=accrued_before,
                                   thresholds={c: m.amount_minor for c, m in sorted(thresholds.items())})
    payable = [d for d in dues(accrued_before) if d.amount.currency in thresholds
               and d.amount.amount_minor > 0 and d.amount >= thresholds[d.amount.currency]]
    names, emails = _contacts([d.payee_code for d in payable])
    for due in payable:
        currency = due.amount.currency
        entry = post_entry(EntryDraft(
            key=f"payout:{key}:{due.payee_code}:{currency}", kind=PAYOUT_KIND,
            postings=(Posting(debit=due.account, credit=f"external:payouts:{currency}", amount=due.amount),),
            memo=f"royalty payout run {key} to {names[due.payee_code]}"))
        Payout.objects.create(run=run, payee_code=due.payee_code, payee_name=names[due.payee_code],
                              email=emails.get(due.payee_code, ""), currency=currency,
                              amount_minor=due.amount.amount_minor, ledger_entry_id=entry.pk)
    return run


def dues(accrued_before: datetime | None = None) -> list[Due]:
    """Every payable account's due amount, by account code: its balance, or, with `accrued_before`, what
    accrued before then less every payout so far (never more than the balance: a later refund reduces it)."""
    accounts = list(Account.objects.filter(kind="payable").order_by("code"))
    if accrued_before is None:
        return [Due(a.code.split(":")[1], a.code, a.balance) for a in accounts]
    counted = Q(entry__kind=PAYOUT_KIND) | Q(entry__created_at__lt=accrued_before)
    moves = PostingRow.objects.filter(counted)
    credits = dict(moves.filter(credit__kind="payable").values("credit_id").annotate(total=Sum("amount_minor"))
                   .values_list("credit_id", "total"))
    debits = dict(moves.filter(debit__kind="payable").values("debit_id").annotate(total=Sum("amount_minor"))
                  .values_list("debit_id", "total"))
    return [Due(a.code.split(":")[1], a.code,
                Money(min(a.balance_minor, credits.get(a.pk, 0) - debits.get(a.pk, 0)), a.currency))
            for a in accounts]


def _contacts(codes: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Names and emails of payees: their Payee rows, else the name their sales recorded, else the code."""
    payees = {p.code: p for p in Payee.objects.filter(code__in=codes)}
    recorded = dict(SalePart.objects.filter(payee_code__in=codes).exclude(payee_name="")
                    .values_list("payee_code", "payee_name"))
    names = {c: payees[c].name if c in payees else recorded.get(c, c) for c in codes}
    return names, {c: p.email for c, p in payees.items()}


def run_csv(run: PayoutRun) -> str:
    """The run's payout list: payee, name, email, currency, amount."""
    return payout_csv((p.payee_code, p.payee_name, p.email, p.amount) for p in run.payouts.order_by("payee_code"))
