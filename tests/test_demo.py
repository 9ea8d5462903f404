"""The demo's label user signs in through the store's own form and reaches the label dashboard."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pressplant.catalogue.models import Label
from pressplant.demo import DEMO_LABEL_EMAIL, DEMO_LABEL_PASSWORD, ensure_demo_rights


@pytest.mark.django_db
def test_the_printed_label_sign_in_works_and_opens_the_dashboard() -> None:
    label = Label.objects.create(name="Northern Press")
    ensure_demo_rights()
    ensure_demo_rights()  # idempotent
    client = Client()
    signed_in = client.post(reverse("accounts:login"), {"email": DEMO_LABEL_EMAIL, "password": DEMO_LABEL_PASSWORD})
    assert signed_in.status_code == 302
    dashboard = client.get("/label/", follow=True)
    assert dashboard.status_code == 200 and dashboard.redirect_chain[-1][0].endswith(f"/label/{label.pk}/")
    assert "Northern Press: sales and statements" in dashboard.content.decode()
