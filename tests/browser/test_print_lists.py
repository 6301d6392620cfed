"""Printable lists in the browser: the screen view at 375 and 1280 px passes axe, its QR codes
read as a phone reads them, printing leaves the site's frame out; 案内リスト in the back office
made and shown at 375 px."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Live, Watch, _context, axe_violations
from tests.staff import make_staff

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("TSUNAGU_SHOTS")  # a folder to keep the screenshots in, to look at


def keep_shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


@pytest.fixture
def phone(browser: Browser, watch: Watch) -> Iterator[Page]:
    context = _context(browser, watch, viewport={"width": 375, "height": 812})
    page = context.new_page()
    watch.watch(page)
    yield page
    context.close()


def test_the_print_view_on_a_phone_passes_axe_and_its_qr_codes_read(
    phone: Page, live: Live, axe_source: str, watch: Watch
) -> None:
    phone.goto(live.url + "/directory?topics=debt")
    phone.get_by_role("link", name="この一覧を印刷").click()

    expect(phone.get_by_role("heading", name="いますぐ話したい").first).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert axe_violations(phone, axe_source) == []
    entry = phone.locator(".print-entry").first
    link = entry.locator("h2 a").get_attribute("href")
    image = Image.open(io.BytesIO(entry.locator(".print-qr").screenshot())).convert("L")
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    base = live.app.config["TSUNAGU_SETTINGS"].public_base_url.rstrip("/")
    assert [b.text for b in found] == [base + (link or "")]
    keep_shot(phone, "print-list-375")
    assert not watch.foreign_requests and not watch.console_errors


def test_printing_leaves_out_the_sites_frame(phone: Page, live: Live) -> None:
    phone.goto(live.url + "/directory/print?topics=debt")
    phone.emulate_media(media="print")

    for hidden in (".site-header", ".now-block", ".help-strip", ".site-footer", ".print-actions"):
        expect(phone.locator(hidden)).to_be_hidden()
    expect(phone.locator(".print-urgent")).to_be_visible()
    expect(phone.locator(".print-entry").first).to_be_visible()
    keep_shot(phone, "print-list-375-print")


@pytest.mark.parametrize("prefix", ["", "/en", "/easy"])
def test_the_print_view_at_1280_px(
    browser: Browser, watch: Watch, live: Live, axe_source: str, prefix: str
) -> None:
    context = _context(browser, watch, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(live.url + prefix + "/directory/print?areas=national&channels=phone")

    assert axe_violations(page, axe_source) == []
    keep_shot(page, f"print-list-1280{prefix.replace('/', '-')}")
    page.emulate_media(media="print")
    keep_shot(page, f"print-list-1280{prefix.replace('/', '-')}-print")
    context.close()


def test_a_coordinator_makes_a_list_on_a_phone(phone: Page, live: Live, axe_source: str) -> None:
    staff = make_staff(live.app, "coordinator")
    phone.goto(live.url + "/staff/login")
    phone.get_by_label("ログインID").fill(staff.login)
    phone.get_by_label("パスワード").fill(staff.password)
    phone.get_by_role("button", name="次へ").click()
    phone.get_by_label("確認コード").fill(pyotp.TOTP(staff.secret or "").now())
    phone.get_by_role("button", name="ログイン").click()

    phone.get_by_role("link", name="案内リスト").click()
    phone.get_by_role("link", name="案内リストを作る").click()
    assert axe_violations(phone, axe_source) == []
    phone.get_by_label("リストの名前").fill("窓口で渡す一覧")
    phone.get_by_label("印刷するメモ（1行）").fill("相談会で配布")
    boxes = phone.locator(".place-list input")
    boxes.nth(2).fill("1")
    boxes.nth(0).fill("2")
    keep_shot(phone, "service-list-form-375")
    phone.get_by_role("button", name="保存する").click()

    expect(phone.get_by_role("heading", name="窓口で渡す一覧")).to_be_visible()
    expect(phone.get_by_role("button", name="A4のPDFで印刷する")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert axe_violations(phone, axe_source) == []
    keep_shot(phone, "service-list-detail-375")

    phone.get_by_role("link", name="このリストを削除する").click()  # asked once more
    expect(phone.get_by_role("heading", name="「窓口で渡す一覧」を削除しますか")).to_be_visible()
    assert axe_violations(phone, axe_source) == []
    keep_shot(phone, "service-list-delete-375")
    phone.get_by_role("button", name="削除する").click()
    expect(phone.get_by_text("案内リストを削除しました。")).to_be_visible()
    expect(phone.get_by_role("link", name="窓口で渡す一覧")).to_have_count(0)
