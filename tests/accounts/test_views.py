from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from pressplant.accounts.models import Customer
from tests.accounts.conftest import PASSWORD, Clock

pytestmark = pytest.mark.django_db


def _has_labelled_input(html: str, name: str, autocomplete: str) -> None:
    tag = re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', html)
    assert tag, f"no field {name}"
    field_id = re.search(r'id="([^"]+)"', tag.group(0))
    assert field_id
    assert f'<label for="{field_id.group(1)}"' in html
    assert f'autocomplete="{autocomplete}"' in tag.group(0)


def test_the_signup_page_has_labelled_fields(client: Client):
    response = client.get(reverse("accounts:signup"))
    assert response.status_code == 200
    html = response.content.decode()
    _has_labelled_input(html, "email", "email")
    _has_labelled_input(html, "password", "new-password")
    _has_labelled_input(html, "country", "country")
    assert '<option value="DE">Germany</option>' in html
    assert "at least 10 characters" in html


def test_the_login_page_has_labelled_fields(client: Client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    html = response.content.decode()
    _has_labelled_input(html, "email", "username")
    _has_labelled_input(html, "password", "current-password")


def test_signing_up_creates_the_account_and_signs_in(client: Client):
    response = client.post(
        reverse("accounts:signup"), {"email": "Ada@Example.com", "password": PASSWORD, "country": "GB"}, follow=True
    )
    assert response.redirect_chain == [(reverse("accounts:account"), 302)]
    html = response.content.decode()
    assert "ada@example.com" in html
    assert "United Kingdom" in html
    assert "GBP" in html
    assert Customer.objects.get().currency == "GBP"


def test_signup_errors_are_shown_next_to_their_field(client: Client, customer: Customer):
    url = reverse("accounts:signup")
    response = client.post(url, {"email": "ADA@example.com", "password": "123", "country": ""})
    assert response.status_code == 200
    assert "country" in response.context["form"].errors
    response = client.post(url, {"email": "ADA@example.com", "password": "1234", "country": "FR"})
    assert "too short" in " ".join(response.context["form"].errors["password"])
    response = client.post(url, {"email": "ADA@example.com", "password": PASSWORD, "country": "FR"})
    assert "already exists" in " ".join(response.context["form"].errors["email"])
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert html.index("already exists") < html.index('name="password"')
    assert Customer.objects.count() == 1


def test_the_account_page_needs_a_signed_in_customer(client: Client, customer: Customer):
    response = client.get(reverse("accounts:account"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))

    client.force_login(customer.user)
    html = client.get(reverse("accounts:account")).content.decode()
    assert "ada@example.com" in html
    assert "Germany" in html
    assert "EUR" in html


def test_signing_in_and_out(client: Client, customer: Customer):
    response = client.post(reverse("accounts:login"), {"email": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:account")
    assert client.get(reverse("accounts:account")).status_code == 200

    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("accounts:account")).status_code == 302


def test_signing_in_goes_to_a_safe_next_page_only(client: Client, customer: Customer):
    url = reverse("accounts:login")
    response = client.post(url, {"email": "ada@example.com", "password": PASSWORD, "next": "/admin/"})
    assert response["Location"] == "/admin/"
    response = client.post(url, {"email": "ada@example.com", "password": PASSWORD, "next": "https://evil.test/"})
    assert response["Location"] == reverse("accounts:account")


def test_a_wrong_password_shows_one_message(client: Client, customer: Customer):
    response = client.post(reverse("accounts:login"), {"email": "ada@example.com", "password": "nope"})
    assert response.status_code == 200
    assert "The email or password is not right." in response.content.decode()


def test_too_many_failures_answer_429_with_a_message(client: Client, customer: Customer, clock: Clock):
    for _ in range(5):
        client.post(reverse("accounts:login"), {"email": "ada@example.com", "password": "nope"})
    response = client.post(reverse("accounts:login"), {"email": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert int(response["Retry-After"]) == 15 * 60
    assert "_auth_user_id" not in client.session
