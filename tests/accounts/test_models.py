"""The accounts' hand-written reads load what the ORM loads."""

from __future__ import annotations

from django.contrib.auth.models import User

from pressplant.accounts.models import Customer, customer_of
from tests.rows import loaded_fields


def test_a_signed_in_users_customer_loads_as_the_orm_does_and_an_operator_has_none(customer: Customer):
    user = User.objects.get(pk=customer.user_id)
    loaded = customer_of(user)
    assert loaded is not None and loaded_fields(loaded) == loaded_fields(Customer.objects.get())
    assert loaded.user is user and loaded.email == "ada@example.com"

    operator = User.objects.create_superuser("root", "root@example.com", "an operator's pass phrase")
    assert customer_of(operator) is None
