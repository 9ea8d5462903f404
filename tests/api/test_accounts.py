"""Sign up and sign in through the API: the accounts actions' rules, as JSON with stable codes."""

from __future__ import annotations

import pytest

from tests.api.conftest import PASSWORD, Api


@pytest.mark.django_db
def test_sign_up_creates_an_account_in_the_countrys_currency(api):
    response = api.post("/accounts", {"email": "New@Example.com", "password": PASSWORD, "country": "DE"})
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "new@example.com" and body["country"] == "DE" and body["currency"] == "EUR"
    assert isinstance(body["id"], int)


@pytest.mark.django_db
def test_a_second_sign_up_with_the_same_email_is_a_conflict(api):
    api.post("/accounts", {"email": "a@example.com", "password": PASSWORD, "country": "GB"})
    response = api.post("/accounts", {"email": "A@example.com", "password": PASSWORD, "country": "GB"})
    assert response.status_code == 409 and response.json()["code"] == "account_exists"


@pytest.mark.django_db
@pytest.mark.parametrize(("email", "password", "country", "code"), [
    ("not-an-email", PASSWORD, "GB", "invalid_email"),
    ("b@example.com", "short", "GB", "weak_password"),
    ("b@example.com", PASSWORD, "XX", "unknown_country"),
])
def test_bad_sign_ups_are_refused_with_a_code(api, email, password, country, code):
    response = api.post("/accounts", {"email": email, "password": password, "country": country})
    assert response.status_code == 400
    assert response.json()["code"] == code and response.json()["message"]


@pytest.mark.django_db
def test_a_missing_field_is_an_invalid_request(api):
    response = api.post("/accounts", {"email": "c@example.com"})
    assert response.status_code == 422 and response.json()["code"] == "invalid_request"


@pytest.mark.django_db
def test_a_token_opens_the_wallet(api, buyer):
    response = api.post("/tokens", {"email": "buyer@example.com", "password": PASSWORD})
    assert response.status_code == 200
    wallet = Api(response.json()["token"]).get("/wallet")
    assert wallet.status_code == 200
    assert wallet.json() == {"balance": {"amount_minor": 0, "currency": "GBP"}, "entries": []}


@pytest.mark.django_db
def test_a_wrong_password_gets_no_token_and_repeated_failures_are_throttled(api, buyer):
    for _ in range(5):
        response = api.post("/tokens", {"email": "buyer@example.com", "password": "wrong"})
        assert response.status_code == 401 and response.json()["code"] == "invalid_credentials"
    response = api.post("/tokens", {"email": "buyer@example.com", "password": PASSWORD})
    assert response.status_code == 429 and response.json()["code"] == "login_throttled"
    assert int(response["Retry-After"]) > 0


@pytest.mark.django_db
@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_the_wallet_needs_a_valid_token(token):
    response = Api(token).get("/wallet")
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"
