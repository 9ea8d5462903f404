"""Buying through the API: vouchers into the wallet, idempotent orders, 402 when short, the library."""

from __future__ import annotations

import pytest

from pressplant.catalogue.models import Release
from pressplant.money import Money
from pressplant.orders.models import Order
from pressplant.payments.actions import create_vouchers
from tests.api.conftest import fund


def _balance(api) -> dict:
    return api.get("/wallet").json()["balance"]


@pytest.mark.django_db
def test_a_voucher_credits_the_wallet_once(buyer_api):
    [code] = create_vouchers(Money(1_000, "GBP"), 1)
    response = buyer_api.post("/wallet/vouchers", {"code": code})
    assert response.status_code == 200
    body = response.json()
    assert body["credited"] == {"amount_minor": 1_000, "currency": "GBP"}
    assert body["balance"]["amount_minor"] == 1_000 + body["bonus"]["amount_minor"]
    wallet = buyer_api.get("/wallet").json()
    assert wallet["balance"] == body["balance"]
    assert wallet["entries"][0]["kind"] == "voucher" and wallet["entries"][0]["amount"] == body["balance"]
    again = buyer_api.post("/wallet/vouchers", {"code": code})
    assert again.status_code == 409 and again.json()["code"] == "voucher_already_redeemed"


@pytest.mark.django_db
def test_an_unknown_voucher_is_not_found(buyer_api):
    response = buyer_api.post("/wallet/vouchers", {"code": "AAAA-BBBB-CCCC-DDDD"})
    assert response.status_code == 404 and response.json()["code"] == "voucher_not_found"


@pytest.mark.django_db
def test_the_same_idempotency_key_buys_once(buyer, buyer_api, tracks):
    fund(buyer, 10_000)
    items = {"items": [{"track_id": tracks[0].pk, "format": "mp3-320"}]}
    first = buyer_api.post("/orders", items, headers={"Idempotency-Key": "k-1"})
    second = buyer_api.post("/orders", items, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json() and Order.objects.count() == 1
    order = first.json()
    assert order["status"] == "paid" and order["lines"][0]["track_id"] == tracks[0].pk
    assert _balance(buyer_api)["amount_minor"] == 10_000 - order["total"]["amount_minor"]


@pytest.mark.django_db
def test_owning_and_reused_keys_are_conflicts(buyer, buyer_api, tracks):
    fund(buyer, 10_000)
    buyer_api.post("/orders", {"items": [{"track_id": tracks[0].pk, "format": "flac"}]}, {"Idempotency-Key": "a"})
    owned = buyer_api.post("/orders", {"items": [{"track_id": tracks[0].pk, "format": "flac"}]},
                           {"Idempotency-Key": "b"})
    reused = buyer_api.post("/orders", {"items": [{"track_id": tracks[1].pk, "format": "flac"}]},
                            {"Idempotency-Key": "a"})
    assert owned.status_code == 409 and owned.json()["code"] == "already_owned"
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused"


@pytest.mark.django_db
def test_an_order_needs_an_idempotency_key(buyer_api, tracks):
    response = buyer_api.post("/orders", {"items": [{"track_id": tracks[0].pk, "format": "flac"}]})
    assert response.status_code == 400 and response.json()["code"] == "idempotency_key_required"


@pytest.mark.django_db
def test_short_funds_are_payment_required_and_move_nothing(buyer, buyer_api, tracks):
    fund(buyer, 1)
    release = Release.objects.get()
    response = buyer_api.post("/orders", {"items": [{"release_id": release.pk, "format": "flac"}]},
                              {"Idempotency-Key": "short"})
    assert response.status_code == 402
    assert response.json()["code"] == "insufficient_funds" and response.json()["message"]
    assert _balance(buyer_api) == {"amount_minor": 1, "currency": "GBP"}
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_unknown_items_and_formats_are_bad_requests(buyer, buyer_api, tracks):
    fund(buyer, 10_000)
    unknown = buyer_api.post("/orders", {"items": [{"track_id": 999_999, "format": "flac"}]}, {"Idempotency-Key": "u"})
    both = buyer_api.post("/orders", {"items": [{"format": "flac"}]}, {"Idempotency-Key": "n"})
    bad_format = buyer_api.post("/orders", {"items": [{"track_id": tracks[0].pk, "format": "wma"}]},
                                {"Idempotency-Key": "f"})
    assert unknown.status_code == both.status_code == 400 and unknown.json()["code"] == "unknown_item"
    assert bad_format.status_code == 400 and bad_format.json()["code"] == "unknown_format"  # as the quotes say
    assert "'wma'" in bad_format.json()["message"]


@pytest.mark.django_db(transaction=True)
def test_the_library_links_download_the_file_with_the_token(buyer, buyer_api, tracks, flushable_ledger):
    fund(buyer, 10_000)
    buyer_api.post("/orders", {"items": [{"track_id": tracks[0].pk, "format": "mp3-320"}]}, {"Idempotency-Key": "d"})
    [item] = buyer_api.get("/library").json()["items"]
    assert item["kind"] == "track" and item["id"] == tracks[0].pk and item["format"] == "mp3-320"
    assert item["title"] == "One" and item["download_url"].startswith("http://testserver/download/")
    response = buyer_api.client.get(item["download_url"], headers=buyer_api.headers)
    assert response.status_code == 200 and response["Content-Type"] == "audio/mpeg"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body[:3] == b"ID3" and len(body) > 10_000
    assert buyer_api.client.get(item["download_url"]).status_code == 403


@pytest.mark.django_db
def test_the_order_receipt_says_where_the_money_went(buyer, buyer_api, tracks):
    fund(buyer, 10_000)
    created = buyer_api.post("/orders", {"items": [{"release_id": tracks[0].release_id, "format": "flac"}]},
                             headers={"Idempotency-Key": "r-1"}).json()
    receipt = buyer_api.get(f"/orders/{created['id']}").json()
    [line] = receipt["lines"]
    roles = {part["role"]: part for part in line["parts"]}
    assert receipt["territory"] == "GB" and {"vat", "label", "mechanical"} <= set(roles)
    assert roles["label"]["to"] == "Cache Records" and roles["mechanical"]["to"] == "PRS for Music (MCPS)"
    assert roles["vat"]["amount"] == line["vat"] and line["vat"]["amount_minor"] > 0
    assert sum(part["amount"]["amount_minor"] for part in line["parts"]) == line["price"]["amount_minor"]


@pytest.mark.django_db
def test_an_item_not_licensed_here_is_451_with_the_reason(buyer, buyer_api, tracks):
    from pressplant.rights.models import Deal, Licence

    release = Release.objects.get()
    Licence.objects.create(release=release, source=Licence.Source.DDEX, sender_party_id="PADPIDA0000000001Z")
    Deal.objects.create(release=release, commercial_model_types=["PayAsYouGoModel"], use_types=["PermanentDownload"],
                        territory_codes=["US", "CA"])
    fund(buyer, 10_000)
    response = buyer_api.post("/orders", {"items": [{"release_id": release.pk, "format": "flac"}]},
                              headers={"Idempotency-Key": "r-2"})
    assert response.status_code == 451 and response.json()["code"] == "not_available"
    assert "not licensed in the United Kingdom" in response.json()["message"]
    assert _balance(buyer_api)["amount_minor"] == 10_000 and Order.objects.count() == 0
