"""A buyer in a real browser (Debian's Chromium, headless, driven by Playwright): sign up, top up the
wallet with a voucher, go home -> release -> buy -> library -> download. Screenshots of every step go
to $PRESSPLANT_ARTIFACTS (CI keeps them) or the test's temporary folder."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path

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


def test_a_buyer_walks_from_home_to_a_download(store: Store, shots: Path, tmp_path: Path):
    from playwright.sync_api import expect, sync_playwright

    code = store.cli("vouchers", "create", "--amount", "20.00", "--currency", "GBP").strip()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_context(accept_downloads=True, viewport={"width": 1200, "height": 900}).new_page()

        page.goto(store.base + "/accounts/signup/")
        page.fill("input[name=email]", "browser@example.com")
        page.fill("input[name=password]", "a long pass phrase 9")
        page.select_option("select[name=country]", "GB")
        page.get_by_role("button", name="Create account").click()
        page.goto(store.base + "/wallet/")
        page.fill("input[name=code]", code)
        page.get_by_role("button", name="Redeem").click()
        expect(page.locator("strong.balance")).to_have_text("20.00 GBP")
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
