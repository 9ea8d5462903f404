"""The operator's view: the seeded defaults are listed and can be edited, and a bad edit is refused."""

from __future__ import annotations

import pytest

from pressplant.pricing.models import PriceRule

pytestmark = pytest.mark.django_db


def test_the_store_defaults_are_listed(admin_client):
    page = admin_client.get("/admin/pricing/pricerule/")
    assert page.status_code == 200
    assert page.content.decode().count("store default") >= 3


def test_an_edit_that_puts_the_cap_below_the_minimum_is_refused(admin_client):
    rule = PriceRule.objects.get(currency="GBP", label=None, release=None, track=None)
    form = {"currency": "GBP", "pricing_model": "per_megabyte", "rate_per_mb": "0.03", "minimum_minor": "5",
            "track_cap_minor": "4", "album_price_minor": "799", "track_price_minor": ""}
    page = admin_client.post(f"/admin/pricing/pricerule/{rule.pk}/change/", form)
    assert page.status_code == 200
    assert "below the minimum" in page.content.decode()
    form["track_cap_minor"] = "129"
    page = admin_client.post(f"/admin/pricing/pricerule/{rule.pk}/change/", form)
    assert page.status_code == 302
    rule.refresh_from_db()
    assert (str(rule.rate_per_mb), rule.track_cap_minor) == ("0.030000", 129)
