"""From a label's DDEX delivery to a buyer's receipt and the label's statement: the whole path, through
the command line, the order action and the download view."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from pathlib import Path

import pytest
from django.test import Client

from pressplant import cli
from pressplant.accounts.actions import sign_up
from pressplant.catalogue.models import Release
from pressplant.delivery.links import download_path
from pressplant.ledger.actions import verify_ledger
from pressplant.orders.actions import NotAvailable, OrderItem, place_order
from pressplant.orders.models import SalePart
from pressplant.rights.models import PriceTier
from pressplant.royalties.periods import Period
from pressplant.royalties.statements import statement_lines
from tests.orders.conftest import PASSWORD, fund
from tests.rights.ddex_messages import SENDER, DealSpec, deliver, ern43, two_disc_album, write_message


@pytest.fixture(autouse=True)
def media_storage(settings, tmp_path: Path) -> Path:
    media = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(media)}}}
    settings.RENDITION_WORK_DIR = tmp_path / "work"
    return media


def _import(folder: Path, name: str, spec) -> None:
    message = write_message(folder, name, ern43(spec))
    assert cli.main(["ddex", "import", str(message)]) == 0


@pytest.mark.django_db(transaction=True)
def test_a_delivered_release_sells_at_its_tier_where_licensed_and_a_takedown_keeps_buyers_downloads(
        tmp_path, flushable_ledger):
    drop = tmp_path / "drop"
    deal = DealSpec(references=("R0",), excluded=("DE",), territories=(), price_code="FRONTLINE")
    masters = deliver(drop, dataclasses.replace(two_disc_album(), deals=(deal,)))
    _import(drop, "first.xml", masters.spec)
    PriceTier.objects.create(sender_party_id=SENDER, code="FRONTLINE", currency="GBP", wholesale_minor=600)
    release = Release.objects.get()

    briton = sign_up("uk@example.com", PASSWORD, "GB")
    fund(briton, 10_000)
    order = place_order(briton, [OrderItem("flac", release_id=release.pk)], "k")
    label_part = SalePart.objects.get(line__order=order, role="label")
    assert label_part.amount_minor == 600 and label_part.payee_name == "Pressplant Test Records"
    assert sum(p.amount_minor for p in SalePart.objects.filter(line__order=order)) == order.total_minor

    german = sign_up("de@example.com", PASSWORD, "DE")
    fund(german, 10_000)
    with pytest.raises(NotAvailable, match="not licensed in Germany"):
        place_order(german, [OrderItem("flac", release_id=release.pk)], "k")

    takedown = DealSpec(references=("R0",), takedown=True, price_code="FRONTLINE")
    _import(drop, "second.xml", dataclasses.replace(masters.spec, message_id="MSG-2", deals=(takedown,)))
    with pytest.raises(NotAvailable, match="withdrawn by the label"):
        place_order(sign_up("uk2@example.com", PASSWORD, "GB"), [OrderItem("flac", release_id=release.pk)], "k")
    client = Client()
    client.force_login(briton.user)
    response = client.get(download_path(briton.pk, "release", release.pk, "flac"))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
    assert len([n for n in names if n.endswith(".flac")]) == release.tracks.count()

    lines = statement_lines(label_part.payee_code, Period.containing(order.created_at))
    assert [(line.amount.amount_minor, line.units) for line in lines] == [(600, 1)]
    assert verify_ledger().ok
