"""A buyer in a real browser (Debian's Chromium, headless, driven by Playwright): sign up, top up the
wallet with a voucher, go home -> release -> buy -> library -> download; and a visitor asked to sign in
to buy, then changing the language. Screenshots of every step go to $PRESSPLANT_ARTIFACTS (CI keeps them)
or the test's temporary folder."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.test_end_to_end import Store

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("PRESSPLANT_ARTIFACTS") or tmp_path) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sign_up_and_top_up(page: Any, store: Store, email: str, amount: str) -> None:
    """Create an account in the GB store on `page` and redeem a voucher of `amount` GBP into its wallet."""
    from playwright.sync_api import expect

    code = store.cli("vouchers", "create", "--amount", amount, "--currency", "GBP").strip()
    page.goto(store.base + "/accounts/signup/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "a long pass phrase 9")
    page.select_option("select[name=country]", "GB")
    page.get_by_role("button", name="Create account").click()
    page.goto(store.base + "/wallet/")
    page.fill("input[name=code]", code)
    page.get_by_role("button", name="Redeem").click()
    expect(page.locator("strong.balance")).to_have_text(f"{amount} GBP")


def test_a_buyer_walks_from_home_to_a_download(store: Store, shots: Path, tmp_path: Path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_context(accept_downloads=True, viewport={"width": 1200, "height": 900}).new_page()

        _sign_up_and_top_up(page, store, "browser@example.com", "20.00")
        page.screenshot(path=str(shots / "1-wallet.png"), full_page=True)

        page.goto(store.base + "/")
        page.screenshot(path=str(shots / "2-home.png"), full_page=True)
        page.get_by_role("link", name="Over HTTP").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Over HTTP")
        expect(page.locator("audio")).to_have_count(2)
        page.screenshot(path=str(shots / "3-release.png"), full_page=True)
        page.get_by_role("button", name="Buy in FLAC (master's resolution)").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Your library")
        page.screenshot(path=str(shots / "4-library.png"), full_page=True)
        with page.expect_download() as download_info:
            page.get_by_role("link", name="Download").first.click()
        saved = tmp_path / download_info.value.suggested_filename
        download_info.value.save_as(saved)
        browser.close()

    assert saved.name.endswith(".zip")
    archive = zipfile.ZipFile(io.BytesIO(saved.read_bytes()))
    assert sorted(n for n in archive.namelist() if n.endswith(".flac")) == [
        "01 Web Band - Song 1.flac", "02 Web Band - Song 2.flac"]
    assert all((shots / name).stat().st_size > 5_000 for name in
               ("1-wallet.png", "2-home.png", "3-release.png", "4-library.png"))


def test_a_visitor_is_asked_to_sign_in_to_buy_and_comes_back_to_the_release(store: Store, shots: Path):
    """A visitor's release page has no form to post: Buy sends them to sign in, then back to the release,
    where Buy buys. The language picker is a page of its own and comes back to the page it was asked from."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        _sign_up_and_top_up(browser.new_context().new_page(), store, "visitor@example.com", "5.00")

        page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
        page.goto(store.base + "/")
        page.get_by_role("link", name="Over HTTP").first.click()
        release_url = page.url
        assert not [c for c in page.context.cookies() if c["name"] == "csrftoken"]  # nothing to post, no token
        page.locator("form.inline-buy").first.get_by_role("button", name="Buy").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
        expect(page.locator("ul.messages")).to_contain_text("Sign in (or create an account) to buy")
        page.screenshot(path=str(shots / "visitor-1-sign-in-to-buy.png"), full_page=True)
        page.fill("input[name=email]", "visitor@example.com")
        page.fill("input[name=password]", "a long pass phrase 9")
        page.locator("main button[type=submit]").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Over HTTP")
        assert page.url == release_url
        page.locator("form.inline-buy").first.get_by_role("button", name="Buy").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your library")
        expect(page.locator("ul.messages")).to_contain_text("Thank you! Order")
        expect(page.get_by_role("link", name="Download")).to_have_count(1)

        page.goto(release_url)
        page.get_by_role("link", name="Language").click()
        page.select_option("select#language", "ru")
        page.screenshot(path=str(shots / "visitor-2-language.png"), full_page=True)
        page.get_by_role("button", name="Change").click()
        expect(page.locator("html")).to_have_attribute("lang", "ru")
        assert page.url == release_url
        page.screenshot(path=str(shots / "visitor-3-release-in-russian.png"), full_page=True)
        browser.close()
