"""Bonus rules are rows: the best applying rule adds its percentage, rounded once, paid from promotions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from pressplant.ledger.actions import balance
from pressplant.money import Money
from pressplant.payments.actions import create_vouchers, redeem_voucher
from pressplant.payments.bonus import bonus_at_rate, bonus_for
from pressplant.payments.models import BonusRule
from tests.payments.wallets import wallet_minor


@pytest.fixture
def twenty_percent_from_fifty_pounds(db):
    return BonusRule.objects.create(currency="GBP", min_amount_minor=5000, percent_bp=2000)


@pytest.mark.django_db
def test_the_bonus_applies_at_the_threshold_and_not_below(twenty_percent_from_fifty_pounds):
    assert bonus_for(Money(5000, "GBP")) == Money(1000, "GBP")
    assert bonus_for(Money(4999, "GBP")) == Money(0, "GBP")
    assert bonus_for(Money(7500, "GBP")) == Money(1500, "GBP")


@pytest.mark.django_db
def test_a_rule_in_another_currency_or_inactive_or_out_of_its_window_does_not_apply():
    now = timezone.now()
    BonusRule.objects.create(currency="EUR", min_amount_minor=0, percent_bp=5000)
    BonusRule.objects.create(currency="GBP", min_amount_minor=0, percent_bp=5000, is_active=False)
    BonusRule.objects.create(currency="GBP", min_amount_minor=0, percent_bp=5000, starts_at=now + timedelta(days=1))
    BonusRule.objects.create(currency="GBP", min_amount_minor=0, percent_bp=5000, ends_at=now)

    assert bonus_for(Money(10_000, "GBP")) == Money(0, "GBP")


@pytest.mark.django_db
def test_the_best_single_rule_wins_and_rules_do_not_stack(twenty_percent_from_fifty_pounds):
    BonusRule.objects.create(currency="GBP", min_amount_minor=10_000, percent_bp=2500)
    BonusRule.objects.create(currency="GBP", min_amount_minor=0, percent_bp=500)

    assert bonus_for(Money(10_000, "GBP")) == Money(2500, "GBP")
    assert bonus_for(Money(6000, "GBP")) == Money(1200, "GBP")
    assert bonus_for(Money(1000, "GBP")) == Money(50, "GBP")


def test_the_bonus_is_rounded_half_even_to_the_minor_unit():
    assert bonus_at_rate(Money(5005, "GBP"), 1000) == Money(500, "GBP")  # 500.5 -> 500
    assert bonus_at_rate(Money(5015, "GBP"), 1000) == Money(502, "GBP")  # 501.5 -> 502
    assert bonus_at_rate(Money(333, "JPY"), 1500) == Money(50, "JPY")  # 49.95 -> 50


@pytest.mark.django_db
def test_a_voucher_at_the_threshold_pays_its_bonus_from_promotions(twenty_percent_from_fifty_pounds):
    [big] = create_vouchers(Money(5000, "GBP"), 1)
    [small] = create_vouchers(Money(4999, "GBP"), 1)

    redemption = redeem_voucher(1, big)
    redeem_voucher(2, small)

    assert redemption.bonus == Money(1000, "GBP")
    assert redemption.balance == Money(6000, "GBP")
    assert wallet_minor(1) == 6000
    assert wallet_minor(2) == 4999
    assert balance("store:promotions:GBP") == Money(-1000, "GBP")
    assert balance("external:vouchers:GBP") == Money(-9999, "GBP")
