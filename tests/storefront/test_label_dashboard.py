"""The label pages as a label's user sees them: the dashboard's totals, charts and tables made from real
sales, the statements and reports to download, who may see them, and the DDEX upload form, hostile ZIPs
included."""

from __future__ import annotations

import csv
import html
import io
import re
import stat
import tempfile
import uuid
import zipfile
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from pressplant.accounts.actions import sign_up
from pressplant.accounts.models import Customer
from pressplant.catalogue.models import Label, Release, Track
from pressplant.money import Money
from pressplant.orders.actions import OrderItem, place_order, refund_order
from pressplant.orders.models import Order, SalePart
from pressplant.rights.models import DdexMessage, LabelMember, Payee
from pressplant.royalties.periods import Period
from tests.catalogue.conftest import media_storage  # noqa: F401  (empty storage per test)
from tests.orders.conftest import PASSWORD, fund
from tests.rights.ddex_messages import SENDER, MessageSpec, RecordingSpec, deliver, ern382
from tests.royalties.conftest import clock

pytestmark = pytest.mark.django_db

TODAY = datetime.now(UTC).date()
OTHER_SENDER = "PADPIDA2099999999Z"


def day(days_ago: int, hour: int = 12) -> datetime:
    return datetime.combine(TODAY - timedelta(days=days_ago), time(hour), tzinfo=UTC)


def member(email: str, label: Label, sender: str = SENDER) -> User:
    user = sign_up(email, PASSWORD, "GB").user
    LabelMember.objects.create(user=user, label=label, sender_party_id=sender)
    return user


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def buy(customer: Customer, item: OrderItem, when: datetime) -> Order:
    with clock(when):
        return place_order(customer, [item], f"{item}-{when.isoformat()}")


def label_earnings(*orders: Order) -> dict[str, int]:
    """Per currency, what the label's payees got from these orders: read from the sale parts."""
    codes = set(Payee.objects.exclude(label=None).values_list("code", flat=True))
    found: dict[str, int] = {}
    for part in SalePart.objects.filter(line__order__in=orders):
        if part.payee_code in codes:
            found[part.currency] = found.get(part.currency, 0) + part.amount_minor
    return found


@pytest.fixture
def label(tracks: list[Track]) -> Label:
    return Label.objects.get(name="Cache Records")


@pytest.fixture
def sold(buyer: Customer, tracks: list[Track]) -> dict[str, Order]:
    """A GB buyer bought One five days ago and Two and Six two days ago; Six was refunded today."""
    fund(buyer, 100_000)
    one, two, six = tracks
    orders = {"one": buy(buyer, OrderItem("flac", track_id=one.pk), day(5)),
              "two": buy(buyer, OrderItem("mp3-320", track_id=two.pk), day(2)),
              "six": buy(buyer, OrderItem("mp3-320", track_id=six.pk), day(2, 14))}
    with clock(day(0, 0)):
        refund_order(orders["six"], "refund-six")
    return orders


def dashboard_page(client: Client, label: Label, days: int = 30) -> str:
    response = client.get(reverse("storefront:label_dashboard", args=[label.pk]), {"days": days})
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def svg(page: str, chart_id: str) -> str:
    found = re.search(rf'<svg class="chart" id="{chart_id}".*?</svg>', page, re.S)
    assert found, chart_id
    return found.group()


# --- the dashboard ------------------------------------------------------------------------------------------


def test_a_member_of_one_label_goes_straight_to_its_dashboard(label: Label) -> None:
    client = signed_in(member("label@example.com", label))
    response = client.get(reverse("storefront:label_home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("storefront:label_dashboard", args=[label.pk])
    home = client.get(reverse("storefront:home")).content.decode()
    assert f'href="{reverse("storefront:label_home")}"' in home  # the header's Label link


def test_a_member_of_two_labels_chooses(label: Label) -> None:
    user = member("label@example.com", label)
    other = Label.objects.create(name="Second Label")
    LabelMember.objects.create(user=user, label=other)
    page = signed_in(user).get(reverse("storefront:label_home")).content.decode()
    assert reverse("storefront:label_dashboard", args=[label.pk]) in page
    assert reverse("storefront:label_dashboard", args=[other.pk]) in page


def test_the_dashboard_shows_totals_a_bar_per_day_with_sales_and_tables(label: Label,
                                                                       sold: dict[str, Order]) -> None:
    page = dashboard_page(signed_in(member("label@example.com", label)), label)
    # totals: One and Two paid for (Six was refunded), and what the label earned from them
    totals = re.search(r'<table id="totals".*?</table>', page, re.S)
    assert totals
    paid = sold["one"].total + sold["two"].total
    earned = Money(label_earnings(sold["one"], sold["two"])["GBP"], "GBP")
    assert earned.amount_minor > 0
    assert re.search(rf"<th scope=\"row\">GBP</th><td class=\"num\">2</td><td class=\"num\">{paid.format()}</td>"
                     rf"<td class=\"num\">{earned.format()}</td>", totals.group())
    # one bar per day with sales: five days ago (1), two days ago (2), today (the refund, -1, below the line)
    days_chart = svg(page, "chart-days")
    bars = re.findall(r'<rect class="bar( negative)?"', days_chart)
    assert len(bars) == 3 and bars.count(" negative") == 1
    assert "<title" in days_chart and 'role="img"' in days_chart
    titles = html.unescape(" ".join(re.findall(r"<rect[^>]*><title>([^<]*)</title>", days_chart)))
    assert "2 units, net of refunds" in titles and "-1 unit, net of refunds" in titles
    # the same figures as tables, and bars by format and territory
    assert len(re.findall(r'<rect class="bar', svg(page, "chart-formats"))) == 2
    assert len(re.findall(r'<rect class="bar', svg(page, "chart-territories"))) == 1
    assert "United Kingdom" in svg(page, "chart-territories")
    formats = re.search(r'<table class="stack" id="table-formats".*?</table>', page, re.S)
    assert formats and "FLAC" in formats.group() and "MP3 320 kb/s" in formats.group()
    top = re.search(r'<table class="stack" id="table-top".*?</table>', page, re.S)
    assert top and all(title in top.group() for title in ("One", "Two", "Six"))


def test_the_dashboard_offers_90_days(label: Label, buyer: Customer, tracks: list[Track]) -> None:
    fund(buyer, 100_000)
    buy(buyer, OrderItem("flac", track_id=tracks[0].pk), day(60))
    client = signed_in(member("label@example.com", label))
    assert re.findall(r'<rect class="bar', svg(dashboard_page(client, label, 30), "chart-days")) == []
    assert len(re.findall(r'<rect class="bar', svg(dashboard_page(client, label, 90), "chart-days"))) == 1


def test_the_statement_and_reports_download_with_the_sale_lines(label: Label, sold: dict[str, Order]) -> None:
    client = signed_in(member("label@example.com", label))
    page = dashboard_page(client, label)
    payee = Payee.objects.get(label=label)
    month = Period.containing(day(2))
    csv_url = reverse("storefront:label_statement", args=[label.pk, str(month), payee.code, "csv"])
    assert csv_url in page
    response = client.get(csv_url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith(f'attachment; filename="statement-{payee.code}-{month}.csv"')
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    in_month = [o for o in sold.values() if month.includes(o.created_at)]
    sold_in_month = sum(order.lines.count() for order in in_month)
    assert sum(int(row["units sold"]) for row in rows) == sold_in_month
    assert {"One", "Two", "Six"} >= {row["item"] for row in rows} >= {"Two", "Six"}
    html_page = client.get(reverse("storefront:label_statement", args=[label.pk, str(month), payee.code, "html"]))
    assert html_page.status_code == 200 and "Royalty statement" in html_page.content.decode()
    sales = client.get(reverse("storefront:label_sales_report", args=[label.pk, str(month)]))
    assert sales["Content-Disposition"].startswith("attachment;") and "Two" in sales.content.decode()
    dsr = client.get(reverse("storefront:label_dsr", args=[label.pk, str(month)]))
    assert dsr.status_code == 200 and dsr["Content-Disposition"].startswith('attachment; filename="DSR_')
    assert "\nSU01\t" in dsr.content.decode()


def test_another_labels_payee_statement_is_not_found(label: Label, sold: dict[str, Order]) -> None:
    stranger = Payee.objects.create(code="someone-else", name="Someone Else", kind=Payee.Kind.ARTIST)
    client = signed_in(member("label@example.com", label))
    url = reverse("storefront:label_statement", args=[label.pk, str(Period.containing(day(2))), stranger.code, "csv"])
    assert client.get(url).status_code == 404


def test_who_may_see_a_labels_pages(label: Label, buyer: Customer) -> None:
    url = reverse("storefront:label_dashboard", args=[label.pk])
    other = Label.objects.create(name="Second Label")
    # a visitor is sent to sign in
    visitor = Client().get(url)
    assert visitor.status_code == 302 and visitor["Location"].startswith(reverse("accounts:login"))
    # a buyer, and a member of another label, are refused, on every page and download
    outsider = signed_in(member("other@example.com", other))
    for client in (signed_in(buyer.user), outsider):
        for path in (url, reverse("storefront:label_deliveries", args=[label.pk]),
                     reverse("storefront:label_sales_report", args=[label.pk, "2026-01"]),
                     reverse("storefront:label_dsr", args=[label.pk, "2026-01"])):
            response = client.get(path)
            assert response.status_code == 403, path
            assert "Not your label" in response.content.decode()
    assert f'href="{reverse("storefront:label_home")}"' not in signed_in(buyer.user).get("/").content.decode()
    assert signed_in(buyer.user).get(reverse("storefront:label_home")).status_code == 403
    # staff see every label
    staff = User.objects.create_user("staff@example.com", "staff@example.com", PASSWORD, is_staff=True)
    assert signed_in(staff).get(url).status_code == 200


# --- the DDEX upload form -----------------------------------------------------------------------------------


@pytest.fixture
def test_records() -> Label:
    """The label the synthetic messages name, and whose sender they come from."""
    return Label.objects.create(name="Pressplant Test Records")


def upload(client: Client, label: Label, **files: SimpleUploadedFile) -> tuple[int, str]:
    response = client.post(reverse("storefront:label_deliveries", args=[label.pk]), files)
    return response.status_code, response.content.decode()


def delivery_zip(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"delivery/{path.relative_to(folder).as_posix()}")
    return buffer.getvalue()


def single(sender: str = SENDER) -> MessageSpec:
    return MessageSpec(recordings=(RecordingSpec("A1", "GBAYE2600001", "Opening"),), sender=sender)


def test_a_zip_with_a_message_and_its_masters_is_imported(test_records: Label, tmp_path: Path) -> None:
    masters = deliver(tmp_path / "drop", single())
    (tmp_path / "drop" / "message.xml").write_bytes(ern382(masters.spec))
    client = signed_in(member("label@example.com", test_records))

    status, page = upload(client, test_records, archive=SimpleUploadedFile("delivery.zip", delivery_zip(
        tmp_path / "drop"), content_type="application/zip"))

    assert status == 200, page
    release = Release.objects.get()
    assert (release.title, release.label) == ("First Light", test_records)
    message = DdexMessage.objects.get()
    assert (message.via, message.uploaded_by, message.outcome) == ("upload", message.uploaded_by, "imported")
    results = re.search(r'<section aria-labelledby="results-heading".*?</section>', page, re.S)
    assert results and "delivery.zip:delivery/message.xml" in results.group()
    assert "Imported" in results.group() and "imported &#x27;The Sines - First Light&#x27;" in results.group()
    assert reverse("storefront:release", args=[release.pk]) in results.group()
    # the message is listed among the label's, with its outcome (and not as a flash message)
    listed = re.search(r'<table class="stack" aria-labelledby="messages-heading">.*?</table>',
                       dashboard_page(client, test_records), re.S)
    assert listed and "MSG-1" in listed.group() and "Imported" in listed.group()
    assert '<ul class="messages" role="status">' not in dashboard_page(client, test_records)


def test_a_message_with_a_zip_of_its_files_is_imported(test_records: Label, tmp_path: Path) -> None:
    masters = deliver(tmp_path / "drop", single())
    client = signed_in(member("label@example.com", test_records))
    status, page = upload(client, test_records,
                          message=SimpleUploadedFile("message.xml", ern382(masters.spec), content_type="text/xml"),
                          archive=SimpleUploadedFile("files.zip", delivery_zip(tmp_path / "drop")))
    assert status == 200 and "Imported" in page
    assert Release.objects.get().tracks.count() == 1


def test_a_message_without_its_masters_is_refused_with_the_reason(test_records: Label) -> None:
    client = signed_in(member("label@example.com", test_records))
    status, page = upload(client, test_records, message=SimpleUploadedFile("message.xml", ern382(single())))
    assert status == 200
    results = re.search(r'<section aria-labelledby="results-heading".*?</section>', page, re.S)
    assert results and "Refused" in results.group()
    assert DdexMessage.objects.get().outcome == "refused" and Release.objects.count() == 0


def test_a_message_from_another_sender_is_refused_unless_staff_uploads_it(test_records: Label,
                                                                         tmp_path: Path) -> None:
    masters = deliver(tmp_path / "drop", single(sender=OTHER_SENDER))
    data = ern382(masters.spec)
    client = signed_in(member("label@example.com", test_records))
    status, page = upload(client, test_records, message=SimpleUploadedFile("message.xml", data),
                          archive=SimpleUploadedFile("files.zip", delivery_zip(tmp_path / "drop")))
    assert status == 200
    assert (f"this message is from sender {OTHER_SENDER}, not from Pressplant Test Records ({SENDER})"
            in html.unescape(page))
    assert DdexMessage.objects.count() == 0 and Release.objects.count() == 0
    staff = User.objects.create_user("staff@example.com", "staff@example.com", PASSWORD, is_staff=True)
    status, page = upload(signed_in(staff), test_records, message=SimpleUploadedFile("message.xml", data),
                          archive=SimpleUploadedFile("files.zip", delivery_zip(tmp_path / "drop")))
    assert status == 200 and DdexMessage.objects.get().outcome == "imported"


def _zip(entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return buffer.getvalue()


def _symlink(name: str, target: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


EVIL = f"evil-{uuid.uuid4().hex}.txt"
HOSTILE = {
    "zip slip": ([(f"../../{EVIL}", b"owned"), ("message.xml", ern382(single()))], "zip slip"),
    "absolute": ([(f"/tmp/{EVIL}", b"owned"), ("message.xml", ern382(single()))], "is an absolute path"),
    "windows absolute": ([(f"C:\\{EVIL}", b"owned"), ("message.xml", ern382(single()))], "is an absolute path"),
    "backslash slip": ([(f"..\\..\\{EVIL}", b"owned"), ("message.xml", ern382(single()))], "zip slip"),
    "symlink": ([(_symlink("resources/A1.flac", "/etc/passwd"), b"/etc/passwd"), ("message.xml", ern382(single()))],
                "is a symbolic link"),
    "bomb": ([("resources/A1.flac", bytes(5_000_000)), ("message.xml", ern382(single()))], "a ZIP bomb"),
    "too many entries": ([(f"resources/{n}.txt", b"x") for n in range(12)], "at most 10 are accepted"),
    "twice": ([("message.xml", ern382(single())), ("./message.xml", b"<x/>")], "is there twice"),
    "not a zip": (None, "is not a ZIP archive that can be read"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_zip_is_refused_and_nothing_is_written(case: str, test_records: Label, settings,
                                                         media_storage: Path) -> None:  # noqa: F811
    settings.PRESSPLANT_UPLOAD_MAX_ENTRIES = 10
    entries, reason = HOSTILE[case]
    data = _zip(entries) if entries is not None else b"PK\x03\x04 but not really a zip"
    scratch = Path(tempfile.gettempdir())
    before = set(scratch.glob("pressplant-upload-*"))
    client = signed_in(member("label@example.com", test_records))

    status, page = upload(client, test_records, archive=SimpleUploadedFile("delivery.zip", data))

    assert status == 400
    error = re.search(r'<div class="unavailable" role="alert" id="upload-error">(.*?)</div>', page, re.S)
    assert error and reason in html.unescape(error.group(1)), page
    assert DdexMessage.objects.count() == 0 and Release.objects.count() == 0
    assert not media_storage.exists() or not any(p.is_file() for p in media_storage.rglob("*"))
    assert set(scratch.glob("pressplant-upload-*")) == before
    assert not any(Path(root, EVIL).exists() for root in ("/", "/tmp", scratch, scratch.parent))


@pytest.mark.parametrize("size_bytes", [300_000, 120_000])
def test_an_upload_over_the_limit_is_refused(size_bytes: int, test_records: Label, settings) -> None:
    """300 kB: its Content-Length says so and the body is never read; 120 kB: within the room left for the
    form's other fields, so the upload handler counts the bytes and stops reading past the limit."""
    settings.PRESSPLANT_UPLOAD_MAX_BYTES = 100_000
    client = signed_in(member("label@example.com", test_records))
    status, page = upload(client, test_records, archive=SimpleUploadedFile("big.zip", bytes(size_bytes)))
    assert status == 413 and "larger than" in page
    assert DdexMessage.objects.count() == 0


def test_the_upload_form_needs_a_file_and_its_csrf_token(test_records: Label) -> None:
    user = member("label@example.com", test_records)
    status, page = upload(signed_in(user), test_records)
    assert status == 400 and "Choose an ERN message" in page
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    response = strict.post(reverse("storefront:label_deliveries", args=[test_records.pk]),
                           {"message": SimpleUploadedFile("message.xml", ern382(single()))})
    assert response.status_code == 403 and DdexMessage.objects.count() == 0
    form = strict.get(reverse("storefront:label_deliveries", args=[test_records.pk])).content.decode()
    assert 'name="csrfmiddlewaretoken"' in form and 'enctype="multipart/form-data"' in form
