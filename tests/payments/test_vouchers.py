"""PIN vouchers: made in batches, redeemed once, ever, into the customer's wallet in the ledger."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from pressplant.ledger.models import Entry
from pressplant.money import Money
from pressplant.payments.actions import create_vouchers, redeem_voucher
from pressplant.payments.errors import InvalidVoucherBatch, VoucherAlreadyRedeemed, VoucherNotFound
from pressplant.payments.models import Voucher
from tests.payments.wallets import wallet_minor

TEN_POUNDS = Money(1000, "GBP")


@pytest.mark.django_db
def test_a_redeemed_voucher_credits_the_wallet():
    [code] = create_vouchers(TEN_POUNDS, 1, batch="launch")

    redemption = redeem_voucher(42, code)

    assert redemption.voucher_amount == TEN_POUNDS
    assert redemption.bonus == Money(0, "GBP")
    assert redemption.balance == TEN_POUNDS
    assert wallet_minor(42) == 1000
    voucher = Voucher.objects.get()
    assert voucher.redeemed_by == 42 and voucher.redeemed_at is not None
    assert voucher.ledger_entry_id == redemption.entry_id
    assert Entry.objects.get(pk=redemption.entry_id).key == f"voucher:{voucher.pk}"


@pytest.mark.django_db
def test_codes_are_returned_once_and_never_stored():
    codes = create_vouchers(Money(500, "EUR"), 3, batch="press")

    assert len(set(codes)) == 3
    for row in Voucher.objects.values():
        assert not any(code.replace("-", "") in str(value) for code in codes for value in row.values())
    assert sorted(Voucher.objects.values_list("code_prefix", flat=True)) == sorted(c[:4] for c in codes)


@pytest.mark.django_db
def test_the_code_may_be_typed_in_lower_case_with_spaces():
    [code] = create_vouchers(TEN_POUNDS, 1)

    redeem_voucher(7, code.lower().replace("-", " "))

    assert wallet_minor(7) == 1000


@pytest.mark.django_db
def test_a_second_redemption_is_refused_and_moves_nothing():
    [code] = create_vouchers(TEN_POUNDS, 1)
    redeem_voucher(42, code)
    entries_before = Entry.objects.count()

    with pytest.raises(VoucherAlreadyRedeemed, match="already been redeemed"):
        redeem_voucher(42, code)
    with pytest.raises(VoucherAlreadyRedeemed):
        redeem_voucher(43, code)

    assert wallet_minor(42) == 1000
    assert wallet_minor(43) == 0
    assert Entry.objects.count() == entries_before
    assert Voucher.objects.get().redeemed_by == 42


@pytest.mark.django_db
def test_unknown_and_malformed_codes_are_refused():
    create_vouchers(TEN_POUNDS, 1)

    with pytest.raises(VoucherNotFound, match="no voucher"):
        redeem_voucher(42, "2345-6789-ABCD-EFGH")
    with pytest.raises(VoucherNotFound, match="not a voucher code"):
        redeem_voucher(42, "hello")

    assert wallet_minor(42) == 0
    assert not Entry.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("amount_minor", "count"), [(0, 1), (-100, 1), (100, 0)])
def test_a_batch_of_nothing_is_refused(amount_minor, count):
    with pytest.raises(InvalidVoucherBatch):
        create_vouchers(Money(amount_minor, "GBP"), count)
    assert not Voucher.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_redemptions_credit_exactly_once(flushable_ledger):
    [code] = create_vouchers(TEN_POUNDS, 1)
    start = threading.Barrier(50)
    outcomes: list[str] = []

    def attempt(customer_id: int) -> None:
        try:
            start.wait()
            redeem_voucher(customer_id, code)
            outcomes.append("credited")
        except VoucherAlreadyRedeemed:
            outcomes.append("refused")
        except Exception as error:  # reported below, never swallowed
            outcomes.append(f"error: {error!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(100 + n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(set(outcomes)) == ["credited", "refused"], outcomes
    assert outcomes.count("credited") == 1
    winner = Voucher.objects.get().redeemed_by
    assert winner is not None
    assert [wallet_minor(100 + n) for n in range(50)].count(1000) == 1
    assert wallet_minor(winner) == 1000
    assert Entry.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount_minor", "redeemed_by", "redeemed_at"),
    [(0, None, None), (-5, None, None), (100, 42, None), (100, None, "2026-01-01 00:00:00+00:00")],
)
def test_the_database_refuses_a_voucher_that_breaks_its_rules(amount_minor, redeemed_by, redeemed_at):
    """Around the ORM: the CHECK constraints hold whoever writes the row."""
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO payments_voucher (code_hash, code_prefix, amount_minor, currency, batch, created_at,"
            " redeemed_by, redeemed_at) VALUES (%s, 'ABCD', %s, 'GBP', '', %s, %s, %s)",
            ["f" * 64, amount_minor, "2026-01-01 00:00:00+00:00", redeemed_by, redeemed_at],
        )
