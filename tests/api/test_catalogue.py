"""The catalogue as a visitor (or a buyer) sees it: formats, search, release detail, quotes."""

from __future__ import annotations

import pytest

from pressplant.audio.formats import FORMATS
from pressplant.catalogue.models import Release
from tests.api.conftest import PASSWORD, Api


@pytest.mark.django_db
def test_formats_lists_the_formats_table(api):
    response = api.get("/formats")
    assert response.status_code == 200
    by_name = {f["name"]: f for f in response.json()}
    assert set(by_name) == set(FORMATS)
    assert by_name["flac"]["is_lossless"] is True and by_name["mp3-320"]["bitrate_bps"] == 320_000


@pytest.mark.django_db
def test_search_finds_the_release_by_track_title_and_nothing_for_nonsense(api, tracks):
    found = api.get("/releases", q="Six").json()
    assert found["count"] == 1
    item = found["items"][0]
    assert item["title"] == "Cache Songs" and item["artist"] == "The Encoders"
    assert item["label"] == "Cache Records" and item["track_count"] == 3 and item["year"] == 2026
    assert api.get("/releases", q="zzzzzz").json() == {"items": [], "count": 0}


@pytest.mark.django_db
def test_paging_past_the_end_keeps_the_count(api, tracks):
    assert api.get("/releases", limit=1, offset=5).json() == {"items": [], "count": 1}
    assert api.get("/releases", limit=0).json()["code"] == "invalid_request"


@pytest.mark.django_db
def test_release_detail_lists_tracks_in_order(api, tracks):
    release = Release.objects.get()
    body = api.get(f"/releases/{release.pk}").json()
    assert [t["title"] for t in body["tracks"]] == ["One", "Two", "Six"]
    first = body["tracks"][0]
    assert first["isrc"] == "GBXYZ2600001" and first["disc"] == 1 and first["position"] == 1
    assert 900 <= first["duration_ms"] <= 1100 and first["id"] == tracks[0].pk


@pytest.mark.django_db
def test_an_unknown_release_is_not_found(api, tracks):
    response = api.get("/releases/999999")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_quotes_for_a_track_and_a_release_are_estimates_before_any_encode(api, tracks):
    release = Release.objects.get()
    track_quote = api.get(f"/tracks/{tracks[0].pk}/quote", format="mp3-320").json()
    release_quote = api.get(f"/releases/{release.pk}/quote", format="mp3-320").json()
    for quote in (track_quote, release_quote):
        assert quote["format"] == "mp3-320" and quote["size_is_exact"] is False
        assert quote["available"] is True and quote["status"] == "on_sale"
        assert quote["price"]["currency"] == "GBP" and quote["price"]["amount_minor"] > 0
    assert release_quote["size_bytes"] > track_quote["size_bytes"] > 0


@pytest.mark.django_db
def test_a_signed_in_buyer_is_quoted_in_their_currency(api, tracks):
    api.post("/accounts", {"email": "de@example.com", "password": PASSWORD, "country": "DE"})
    token = api.post("/tokens", {"email": "de@example.com", "password": PASSWORD}).json()["token"]
    quote = Api(token).get(f"/tracks/{tracks[0].pk}/quote", format="flac").json()
    assert quote["price"]["currency"] == "EUR"


@pytest.mark.django_db
def test_an_unknown_format_is_a_bad_request(api, tracks):
    response = api.get(f"/tracks/{tracks[0].pk}/quote", format="wma")
    assert response.status_code == 400 and response.json()["code"] == "unknown_format"


@pytest.mark.django_db
def test_the_openapi_document_lists_the_paths(api):
    response = api.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/v1/accounts", "/api/v1/tokens", "/api/v1/formats", "/api/v1/releases",
                 "/api/v1/releases/{release_id}", "/api/v1/releases/{release_id}/quote",
                 "/api/v1/tracks/{track_id}/quote", "/api/v1/wallet", "/api/v1/wallet/vouchers",
                 "/api/v1/orders", "/api/v1/library"):
        assert path in paths, path
