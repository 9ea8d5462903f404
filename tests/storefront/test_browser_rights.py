"""Rights as buyers and label staff meet them in a real browser (Debian's Chromium, headless, driven by
Playwright) against a live server: a release licensed everywhere but Germany, a pre-order, and the label's
own dashboard with the sale on it. Everyone signs in through the store's sign-in form. Screenshots of
each step go to $PRESSPLANT_ARTIFACTS (CI keeps them) or the test's temporary folder."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pressplant.accounts.actions import sign_up
from pressplant.catalogue.models import Label, Release, Track
from pressplant.orders.models import Order
from pressplant.rights.availability import spoken_date
from pressplant.rights.models import Deal, LabelMember, Licence
from tests.catalogue.conftest import media_storage  # noqa: F401  (empty storage per test, seen by the server too)
from tests.orders.conftest import PASSWORD, fund
from tests.storefront.test_browser import CHROMIUM, CHROMIUM_ARGS

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"),
    pytest.mark.django_db(transaction=True),
]

SELLS_EVERYWHERE_BUT_GERMANY = {"commercial_model_types": ["PayAsYouGoModel"], "use_types": ["PermanentDownload"],
                                "territory_codes": [], "excluded_territory_codes": ["DE"]}
FLAC = "FLAC (master's resolution)"
ANY_BUY_BUTTON = re.compile(r"^(Buy|Pre-order|Get it free)")


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("PRESSPLANT_ARTIFACTS") or tmp_path) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    """Chromium for the whole test. Playwright's sync API keeps an event loop running in this thread, which
    Django takes for an async context; the test's own ORM calls are plain synchronous ones, so allow them."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def site(live_server: LiveServer, flushable_ledger: None, tracks: list[Track]) -> str:
    """The live server's address, with the three-track album "Cache Songs" of Cache Records in the catalogue.
    The server is a thread of this process: it reads the rows the test writes, and the test's storage."""
    return str(live_server.url)


def licensed(**deal: object) -> Release:
    release = Release.objects.get()
    Licence.objects.create(release=release, source="direct")
    Deal.objects.create(release=release, **deal)
    return release


def signed_in(browser: Browser, base: str, email: str) -> Page:
    """A fresh browser session (its own cookies) signed in through the store's sign-in form."""
    from playwright.sync_api import expect

    page = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB").new_page()
    page.goto(base + "/accounts/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main").get_by_role("button", name="Sign out")).to_be_visible()
    return page


def test_germany_is_refused_a_briton_buys_and_the_label_sees_the_sale(site: str, browser: Browser, shots: Path) -> None:
    from playwright.sync_api import expect

    release = licensed(**SELLS_EVERYWHERE_BUT_GERMANY)
    release_url = f"{site}/releases/{release.pk}/"
    for email, country in (("de@example.com", "DE"), ("uk@example.com", "GB")):
        fund(sign_up(email, PASSWORD, country), 10_000)

    # A buyer in Germany: told why, and offered no Buy button, for the release or any track.
    german = signed_in(browser, site, "de@example.com")
    german.goto(release_url)
    expect(german.get_by_role("heading", level=1)).to_have_text("Cache Songs")
    expect(german.get_by_role("status")).to_have_text("You cannot buy this release here: not licensed in Germany.")
    expect(german.get_by_role("button", name=ANY_BUY_BUTTON)).to_have_count(0)
    german.screenshot(path=str(shots / "rights-1-germany-refused.png"), full_page=True)

    # A buyer in the United Kingdom: prices with VAT, buys the release in FLAC, reads the receipt.
    briton = signed_in(browser, site, "uk@example.com")
    briton.goto(release_url)
    expect(briton.get_by_text("Prices for the United Kingdom include 20% VAT.")).to_be_visible()
    expect(briton.get_by_role("status")).to_have_count(0)
    briton.screenshot(path=str(shots / "rights-2-uk-release.png"), full_page=True)
    briton.get_by_role("button", name=f"Buy in {FLAC}", exact=True).click()
    expect(briton.get_by_role("heading", level=1)).to_have_text("Your library")
    row = briton.locator("tbody tr").filter(has_text="Cache Songs")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Release (ZIP)")
    expect(row).to_contain_text(FLAC)
    expect(row.get_by_role("link", name="Download")).to_be_visible()
    briton.screenshot(path=str(shots / "rights-3-uk-library.png"), full_page=True)
    row.get_by_role("link", name="Receipt").click()
    order = Order.objects.get()
    assert order.territory == "GB" and order.lines.count() == 1
    expect(briton.get_by_role("heading", level=1)).to_have_text(f"Receipt for order {order.pk}")
    split = briton.locator("section", has=briton.get_by_role("heading", name="Where your money went"))
    expect(split).to_be_visible()
    expect(split.get_by_role("row").filter(has_text="Cache Records")).to_contain_text("Label")
    expect(split.get_by_role("row").filter(has_text="VAT")).to_contain_text("VAT the United Kingdom")
    expect(briton.locator("tfoot")).to_contain_text(order.total.format())
    briton.screenshot(path=str(shots / "rights-4-uk-receipt.png"), full_page=True)

    # The label's user signs in, follows the header's Label link and finds the sale on the dashboard.
    label = Label.objects.get(name="Cache Records")
    staff = sign_up("staff@cache-records.example", PASSWORD, "GB").user
    LabelMember.objects.create(user=staff, label=label)
    sign_up("nosy@example.com", PASSWORD, "GB")
    member = signed_in(browser, site, "staff@cache-records.example")
    member.get_by_role("navigation", name="Main").get_by_role("link", name="Label", exact=True).click()
    expect(member).to_have_url(f"{site}/label/{label.pk}/")
    expect(member.get_by_role("heading", level=1)).to_have_text("Cache Records: sales and statements")
    expect(member.locator("svg.chart").first).to_be_visible()
    totals = member.locator("table#totals tbody tr")
    expect(totals).to_have_count(1)
    expect(totals.locator("th")).to_have_text("GBP")
    expect(totals.locator("td").nth(0)).to_have_text("1")
    expect(totals.locator("td").nth(1)).to_have_text(order.total.format())
    member.screenshot(path=str(shots / "rights-5-label-dashboard.png"), full_page=True)

    # Someone else, signed in but no member of the label: no Label link, and the 403 page.
    outsider = signed_in(browser, site, "nosy@example.com")
    expect(outsider.get_by_role("link", name="Label", exact=True)).to_have_count(0)
    response = outsider.goto(f"{site}/label/{label.pk}/")
    assert response is not None and response.status == 403
    expect(outsider.get_by_role("heading", level=1)).to_have_text("Not your label")
    expect(outsider.locator("table#totals")).to_have_count(0)
    outsider.screenshot(path=str(shots / "rights-6-outsider-403.png"), full_page=True)


def test_a_pre_order_is_paid_now_and_downloads_from_its_date(site: str, browser: Browser, shots: Path) -> None:
    from playwright.sync_api import expect

    opens = datetime.now(UTC).date() + timedelta(days=40)
    release = licensed(**SELLS_EVERYWHERE_BUT_GERMANY, start_date=opens)
    fund(sign_up("early@example.com", PASSWORD, "GB"), 10_000)
    spoken = spoken_date(datetime.combine(opens, time(0), tzinfo=UTC))  # "15 January 2027"

    page = signed_in(browser, site, "early@example.com")
    page.goto(f"{site}/releases/{release.pk}/")
    expect(page.get_by_role("status")).to_contain_text(f"Pre-order: on sale from {spoken}: pre-order.")
    expect(page.get_by_role("button", name=re.compile(r"^Buy"))).to_have_count(0)
    button = page.get_by_role("button", name=f"Pre-order in {FLAC}", exact=True)
    expect(button).to_have_count(1)
    page.screenshot(path=str(shots / "rights-7-pre-order.png"), full_page=True)
    button.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your library")
    row = page.locator("tbody tr").filter(has_text="Cache Songs")
    expect(row).to_contain_text(f"Pre-ordered: downloads from {spoken}")
    expect(row.get_by_role("link", name="Download")).to_have_count(0)
    expect(row.get_by_role("link", name="Receipt")).to_be_visible()
    page.screenshot(path=str(shots / "rights-8-pre-ordered.png"), full_page=True)
    assert Order.objects.get().customer.user.email == "early@example.com"
