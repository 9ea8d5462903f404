"""Many callers at once: a wallet is never overspent, and one key posts one entry. Each thread has
its own database connection, closed when it is done."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import pytest
from django.db import connections

from pressplant.ledger.actions import balance, post_entry, verify_ledger
from pressplant.ledger.errors import InsufficientFunds
from pressplant.ledger.journal import EntryDraft, wallet_account
from pressplant.ledger.models import Entry
from tests.ledger.conftest import gbp, purchase, voucher

pytestmark = pytest.mark.usefixtures("flushable_ledger")

T = TypeVar("T")


def _together(calls: list[Callable[[], T]]) -> list[T | BaseException]:
    """Run every call in its own thread, all released at the same moment."""
    barrier = threading.Barrier(len(calls))
    results: list[T | BaseException] = []

    def run(call: Callable[[], T]) -> None:
        barrier.wait()
        try:
            results.append(call())
        except BaseException as exc:  # judged by the test's assertions
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_forty_spends_of_100_from_1900_let_exactly_19_through():
    post_entry(EntryDraft(key="topup", kind="voucher", postings=(voucher(4, 1900),)))

    def spend(n: int) -> Callable[[], Entry]:
        return lambda: post_entry(EntryDraft(key=f"spend-{n}", kind="purchase", postings=(purchase(4, 100),)))

    results = _together([spend(n) for n in range(40)])

    entries = [r for r in results if isinstance(r, Entry)]
    refused = [r for r in results if isinstance(r, InsufficientFunds)]
    assert len(entries) == 19 and len(refused) == 21, [r for r in results if not isinstance(r, Entry)][:3]
    assert balance(wallet_account(4)) == gbp(0)
    assert balance("store:revenue:GBP") == gbp(1900)
    report = verify_ledger()
    assert report.ok, report.problems


@pytest.mark.django_db(transaction=True)
def test_one_key_from_twenty_threads_posts_one_entry():
    def redeem() -> Entry:
        return post_entry(EntryDraft(key="voucher-ABC", kind="voucher", postings=(voucher(4, 500),)))

    results = _together([redeem] * 20)

    assert all(isinstance(r, Entry) for r in results), [r for r in results if not isinstance(r, Entry)][:3]
    assert {r.pk for r in results if isinstance(r, Entry)} == {Entry.objects.get().pk}
    assert balance(wallet_account(4)) == gbp(500)
    assert verify_ledger().ok
