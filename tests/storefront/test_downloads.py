"""The download door: only the buyer, only what they bought, resumable, and albums as one ZIP."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from pressplant.accounts.actions import issue_token, revoke_token, sign_up
from pressplant.catalogue.models import Release
from pressplant.delivery.links import download_path, download_token
from pressplant.orders.actions import OrderItem, place_order, refund_order
from pressplant.orders.models import Entitlement, Order
from tests.independent import decoded_samples
from tests.orders.conftest import PASSWORD, fund


@pytest.fixture
def bought(buyer, tracks):
    fund(buyer, 10_000)
    release = Release.objects.get()
    place_order(buyer, [OrderItem("mp3-v0", track_id=tracks[0].pk), OrderItem("flac", release_id=release.pk)], "k")
    return buyer


def _client(customer) -> Client:
    client = Client()
    client.force_login(customer.user)
    return client


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.django_db(transaction=True)
def test_the_buyer_downloads_a_track_and_resumes_it(bought, tracks, tmp_path, flushable_ledger):
    path = download_path(bought.pk, "track", tracks[0].pk, "mp3-v0")
    whole = _body(_client(bought).get(path))
    rest = _client(bought).get(path, headers={"Range": "bytes=1000-"})
    assert rest.status_code == 206 and _body(rest) == whole[1000:]
    out = tmp_path / "one.mp3"
    out.write_bytes(whole)
    assert decoded_samples(out) == 44_100


@pytest.mark.django_db(transaction=True)
def test_an_album_downloads_as_one_zip(bought, flushable_ledger):
    release = Release.objects.get()
    response = _client(bought).get(download_path(bought.pk, "release", release.pk, "flac"))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(_body(response))).namelist()
    assert names[0] == "cover.jpg" and names[-1] == "manifest.json" and len(names) == 5


@pytest.mark.django_db(transaction=True)
def test_an_api_token_opens_the_door_too(bought, tracks, flushable_ledger):
    response = Client().get(download_path(bought.pk, "track", tracks[0].pk, "mp3-v0"),
                            headers={"Authorization": f"Bearer {issue_token(bought)}"})
    assert response.status_code == 200


@pytest.mark.django_db
def test_other_accounts_tampered_expired_and_unbought_links_get_403_and_no_bytes(bought, tracks):
    other = sign_up("other@example.com", PASSWORD, "GB")
    good = download_path(bought.pk, "track", tracks[0].pk, "mp3-v0")
    expired = "/download/" + download_token(bought.pk, "track", tracks[0].pk, "mp3-v0", ttl_seconds=-1)
    tampered = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    unbought = download_path(bought.pk, "track", tracks[1].pk, "wav")  # the release was bought in FLAC
    cases = [(_client(other), good), (_client(bought), expired), (_client(bought), tampered),
             (_client(bought), unbought), (Client(), good)]
    for client, path in cases:
        response = client.get(path)
        assert response.status_code == 403 and b"RIFF" not in _body(response) and b"ID3" not in _body(response)


@pytest.mark.django_db(transaction=True)
def test_a_track_of_an_album_bought_whole_downloads_by_its_own_link_even_once_the_album_is_off_sale(
        bought, tracks, tmp_path, flushable_ledger):
    Release.objects.update(status=Release.Status.QUARANTINED, quarantine_reason="withdrawn by the label")
    response = _client(bought).get(download_path(bought.pk, "track", tracks[1].pk, "flac"))
    assert response.status_code == 200
    out = tmp_path / "two.flac"
    out.write_bytes(_body(response))
    assert decoded_samples(out) == 44_100


@pytest.mark.django_db(transaction=True)
def test_a_track_bought_before_its_album_was_pre_ordered_downloads_while_the_rest_waits(
        buyer, tracks, flushable_ledger):
    fund(buyer, 10_000)
    release = Release.objects.get()
    place_order(buyer, [OrderItem("flac", track_id=tracks[0].pk)], "the-single")
    place_order(buyer, [OrderItem("flac", release_id=release.pk)], "the-album")
    Entitlement.objects.filter(release=release).update(available_at=timezone.now() + timedelta(days=30))

    single = _client(buyer).get(download_path(buyer.pk, "track", tracks[0].pk, "flac"))
    waiting = _client(buyer).get(download_path(buyer.pk, "track", tracks[1].pk, "flac"))

    assert single.status_code == 200 and _body(single)[:4] == b"fLaC"
    assert waiting.status_code == 403 and "pre-ordered: the download opens on" in waiting.content.decode()


@pytest.mark.django_db
def test_a_refunded_purchase_a_revoked_token_and_a_deactivated_buyer_get_403(bought, tracks):
    path = download_path(bought.pk, "track", tracks[0].pk, "mp3-v0")
    revoked, kept = issue_token(bought), issue_token(bought)
    revoke_token(revoked)
    refused = Client().get(path, headers={"Authorization": f"Bearer {revoked}"})
    assert refused.status_code == 403 and "sign in" in refused.content.decode()

    refund_order(Order.objects.get(customer=bought), "refund-1")
    refunded = Client().get(path, headers={"Authorization": f"Bearer {kept}"})
    assert refunded.status_code == 403 and "you have not bought this track" in refunded.content.decode()

    User.objects.filter(pk=bought.user_id).update(is_active=False)
    assert Client().get(path, headers={"Authorization": f"Bearer {kept}"}).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_anyone_hears_a_30_second_preview(tracks, tmp_path, flushable_ledger):
    response = Client().get(f"/preview/{tracks[0].pk}.mp3")
    assert response.status_code == 200 and response["Content-Type"] == "audio/mpeg"
    out = tmp_path / "preview.mp3"
    out.write_bytes(_body(response))
    assert decoded_samples(out) == 44_100  # the one-second track whole
    assert Client().get("/preview/999999.mp3").status_code == 404
