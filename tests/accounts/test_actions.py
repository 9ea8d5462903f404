from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction

from pressplant.accounts import actions
from pressplant.accounts.countries import COUNTRIES
from pressplant.accounts.models import ApiToken, Customer, LoginAttempt
from pressplant.accounts.tasks import forget_old_sign_ins
from pressplant.money import CURRENCY_EXPONENTS
from tests.accounts.conftest import PASSWORD, Clock
from tests.rows import loaded_fields

pytestmark = pytest.mark.django_db


def test_sign_up_stores_an_argon2_hash_and_the_email_lowercased(customer: Customer):
    user = User.objects.get(pk=customer.user_id)
    assert user.password.startswith("argon2")
    assert PASSWORD not in user.password
    assert (user.username, user.email) == ("ada@example.com", "ada@example.com")
    assert customer.wallet_account == f"customer:{customer.pk}:wallet"


@pytest.mark.parametrize(("country", "currency"), [("DE", "EUR"), ("gb", "GBP"), ("US", "USD"), ("RU", "RUB"),
                                                    ("SE", "USD"), ("JP", "USD")])
def test_the_wallet_currency_follows_the_country(country: str, currency: str):
    customer = actions.sign_up(f"someone-{country}@example.com", PASSWORD, country)
    assert customer.currency == currency
    assert customer.country == country.upper()


def test_every_wallet_currency_is_one_the_store_holds():
    assert {country.currency for country in COUNTRIES.values()} <= set(CURRENCY_EXPONENTS)
    eu = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT",
          "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}
    assert eu | {"GB", "US", "RU"} <= set(COUNTRIES)


def test_the_same_email_in_another_case_is_refused(customer: Customer):
    with pytest.raises(actions.AccountExists, match="already exists"):
        actions.sign_up("  ADA@example.COM ", "another long passphrase", "FR")
    assert User.objects.count() == 1


def test_the_database_refuses_two_users_with_the_same_email(customer: Customer):
    """Around the actions: the unique index on lower(email) still holds."""
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO auth_user (username, email, password, is_superuser, is_staff, is_active, first_name,"
            " last_name, date_joined) VALUES ('other', 'ADA@EXAMPLE.COM', '', false, false, true, '', '',"
            " CURRENT_TIMESTAMP)"
        )


def test_an_unknown_country_is_refused_and_nothing_is_written():
    with pytest.raises(actions.UnknownCountry, match="XX"):
        actions.sign_up("bob@example.com", PASSWORD, "XX")
    assert not User.objects.exists()


def test_a_weak_password_is_refused_with_django_messages():
    with pytest.raises(actions.WeakPassword) as refused:
        actions.sign_up("bob@example.com", "12345678", "GB")
    assert any("too short" in message for message in refused.value.messages)
    assert any("too common" in message for message in refused.value.messages)
    assert not User.objects.exists()


def test_a_password_like_the_email_is_refused():
    with pytest.raises(actions.WeakPassword, match="too similar"):
        actions.sign_up("bartholomew.smith@example.com", "bartholomew.smith", "GB")


def test_a_malformed_email_is_refused():
    with pytest.raises(actions.InvalidEmail):
        actions.sign_up("not-an-email", PASSWORD, "GB")


def test_authenticate_with_the_right_password_in_any_case(customer: Customer):
    assert actions.authenticate_customer("ADA@example.com", PASSWORD, "10.0.0.1") == customer
    assert LoginAttempt.objects.get().succeeded


def test_a_wrong_password_and_an_unknown_email_fail_alike(customer: Customer):
    with pytest.raises(actions.InvalidCredentials) as wrong_password:
        actions.authenticate_customer("ada@example.com", "not the password", "10.0.0.1")
    with pytest.raises(actions.InvalidCredentials) as unknown_email:
        actions.authenticate_customer("nobody@example.com", PASSWORD, "10.0.0.1")
    assert str(wrong_password.value) == str(unknown_email.value)


def test_overlong_inputs_fail_as_wrong_credentials(customer: Customer):
    with pytest.raises(actions.InvalidCredentials):
        actions.authenticate_customer("a" * 1000 + "@example.com", PASSWORD, "x" * 500)
    assert LoginAttempt.objects.get().client_key == "x" * 100


def _fail(times: int, email: str = "ada@example.com", client_key: str = "10.0.0.1") -> None:
    for _ in range(times):
        with pytest.raises(actions.InvalidCredentials):
            actions.authenticate_customer(email, "not the password", client_key)


def test_five_failures_lock_the_email_until_the_window_passes(customer: Customer, clock: Clock):
    _fail(5)
    clock.advance(timedelta(minutes=1))
    with pytest.raises(actions.LoginThrottled) as throttled:
        actions.authenticate_customer("ada@example.com", PASSWORD, "10.0.0.1")
    assert throttled.value.retry_after_seconds == 14 * 60
    with pytest.raises(actions.LoginThrottled):  # from another client too: the email is locked
        actions.authenticate_customer("ada@example.com", PASSWORD, "192.0.2.7")

    clock.advance(timedelta(minutes=14))
    assert actions.authenticate_customer("ada@example.com", PASSWORD, "10.0.0.1") == customer


def test_five_failures_from_one_client_lock_that_client_for_every_email(customer: Customer, clock: Clock):
    for number in range(5):
        _fail(1, email=f"guess{number}@example.com", client_key="203.0.113.9")
    with pytest.raises(actions.LoginThrottled):
        actions.authenticate_customer("ada@example.com", PASSWORD, "203.0.113.9")
    assert actions.authenticate_customer("ada@example.com", PASSWORD, "10.0.0.1") == customer


def test_successful_logins_do_not_count(customer: Customer, clock: Clock):
    _fail(4)
    for _ in range(3):
        actions.authenticate_customer("ada@example.com", PASSWORD, "10.0.0.1")
    _fail(1)
    with pytest.raises(actions.LoginThrottled):
        actions.authenticate_customer("ada@example.com", PASSWORD, "10.0.0.1")


def test_failures_leave_the_window_one_by_one(customer: Customer, clock: Clock):
    _fail(1)
    clock.advance(timedelta(minutes=10))
    _fail(4)
    clock.advance(timedelta(minutes=5))  # the first failure is now out of the window
    _fail(1)
    with pytest.raises(actions.LoginThrottled) as throttled:
        actions.authenticate_customer("ada@example.com", PASSWORD, "10.0.0.1")
    assert throttled.value.retry_after_seconds == 10 * 60


def test_old_login_attempts_can_be_forgotten(customer: Customer, clock: Clock):
    _fail(2)
    clock.advance(timedelta(days=30))
    _fail(1)
    assert actions.forget_login_attempts(clock.now - timedelta(days=1)) == 2
    assert LoginAttempt.objects.count() == 1
    with pytest.raises(ValueError, match="LOGIN_WINDOW"):
        actions.forget_login_attempts(clock.now)


def test_sign_in_records_are_kept_for_the_days_the_operator_set(customer: Customer, clock: Clock, settings):
    # given failures 40 and 10 days ago and one now, in a store that keeps sign-in records 30 days
    settings.PRESSPLANT_LOGIN_RECORD_DAYS = 30
    _fail(2)
    clock.advance(timedelta(days=30))
    _fail(1)
    clock.advance(timedelta(days=10))
    _fail(1)
    # when the daily job runs, the 40-day-old records go and the others stay
    assert forget_old_sign_ins.delay().get() == 2
    assert sorted(a.attempted_at for a in LoginAttempt.objects.all()) == [clock.now - timedelta(days=10), clock.now]
    assert actions.forget_old_login_attempts(5) == 1
    with pytest.raises(ValueError, match="at least a day"):
        actions.forget_old_login_attempts(0)


def test_tokens_resolve_until_revoked(customer: Customer, clock: Clock):
    token = actions.issue_token(customer)
    assert actions.customer_for_token(token) == customer
    assert ApiToken.objects.get().last_used_at == clock.now
    first_use = clock.now
    clock.advance(timedelta(seconds=30))
    assert actions.customer_for_token(token) == customer
    assert ApiToken.objects.get().last_used_at == first_use, "noted at most once a minute"
    clock.advance(timedelta(seconds=31))
    assert actions.customer_for_token(token) == customer
    assert ApiToken.objects.get().last_used_at == clock.now

    assert actions.revoke_token(token) is True
    assert actions.customer_for_token(token) is None
    assert actions.revoke_token(token) is False


def test_a_token_resolves_to_its_customer_and_user_as_the_orm_loads_them_until_the_user_is_deactivated(
        customer: Customer):
    token = actions.issue_token(customer)
    resolved = actions.customer_for_token(token)
    expected = Customer.objects.select_related("user").get()

    assert resolved is not None
    assert loaded_fields(resolved) == loaded_fields(expected)
    assert loaded_fields(resolved.user) == loaded_fields(expected.user)
    assert resolved.email == "ada@example.com"

    User.objects.filter(pk=customer.user_id).update(is_active=False)
    assert actions.customer_for_token(token) is None


def test_unknown_tokens_resolve_to_nobody(customer: Customer):
    actions.issue_token(customer)
    assert actions.customer_for_token("made-up") is None


def test_revoke_all_tokens(customer: Customer):
    tokens = [actions.issue_token(customer) for _ in range(2)]
    assert actions.revoke_all_tokens(customer) == 2
    assert all(actions.customer_for_token(token) is None for token in tokens)


def test_a_stored_token_row_never_contains_the_token(customer: Customer):
    token = actions.issue_token(customer)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        rows = cursor.fetchall()
    assert len(rows) == 1
    assert all(token not in str(value) for value in rows[0])
    assert len(token) >= 43
