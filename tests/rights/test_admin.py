"""The operator's admin: its own licences and deals are editable, a label's DDEX deals are kept as sent."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from pressplant.catalogue.models import Release
from pressplant.rights.models import Deal, Licence, PriceTier
from tests.delivery.conftest import album_tree, tracks  # noqa: F401  (the ingested album)


@pytest.fixture
def operator(db) -> Client:
    user = get_user_model().objects.create_superuser("op@example.com", "op@example.com", "operator-password-1")
    client = Client()
    client.force_login(user)
    return client


def _deal_form(release: Release, **extra: str) -> dict[str, str]:
    return {"release": str(release.pk), "commercial_model_types": '["PayAsYouGoModel"]',
            "use_types": '["PermanentDownload"]', "territory_codes": '["GB"]', "excluded_territory_codes": "[]",
            **extra}


@pytest.mark.django_db
def test_the_operator_licenses_its_own_release_to_one_country(operator, tracks):  # noqa: F811
    release = tracks[0].release
    response = operator.post("/admin/rights/licence/add/", {"release": release.pk})
    assert response.status_code == 302 and Licence.objects.get(release=release).source == "direct"
    response = operator.post("/admin/rights/deal/add/", _deal_form(release))
    assert response.status_code == 302 and Deal.objects.get(release=release).territory_codes == ["GB"]


@pytest.mark.django_db
def test_a_ddex_release_takes_no_deal_from_the_admin_and_shows_missing_price_tiers(operator, tracks):  # noqa: F811
    release = tracks[0].release
    licence = Licence.objects.create(release=release, source="ddex", sender_party_id="PADPIDA0000000001Z")
    Deal.objects.create(release=release, commercial_model_types=["PayAsYouGoModel"], use_types=["PermanentDownload"],
                        territory_codes=["Worldwide"], price_code="BUDGET")
    page = operator.post("/admin/rights/deal/add/", _deal_form(release)).content.decode()
    assert "only for a release under the operator" in page and Deal.objects.count() == 1
    listing = operator.get("/admin/rights/licence/").content.decode()
    assert "BUDGET" in listing
    PriceTier.objects.create(sender_party_id=licence.sender_party_id, code="BUDGET", currency="GBP", wholesale_minor=40)
    assert "BUDGET" not in operator.get("/admin/rights/licence/").content.decode()
    assert operator.get(f"/admin/rights/licence/{licence.pk}/change/").status_code == 200  # viewable, read-only
