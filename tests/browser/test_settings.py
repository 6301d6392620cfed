"""自治体の設定 in a real browser on a 375 px phone: an administrator changes the phone number
and the window's hours, checks the preview (the contact block and both sides of the card), saves,
and the public home page shows the new number; every page on the way passes axe."""

from __future__ import annotations

from collections.abc import Iterator

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from core.db import get_engine
from core.profile import get_profile, store_profile
from tests.browser.conftest import Live, Watch, axe_violations
from tests.staff import make_staff

pytestmark = pytest.mark.browser
NEW_PHONE = "0772-69-9876"


@pytest.fixture
def phone_page(browser: Browser, watch: Watch) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 375, "height": 812})
    watch.attach(context)
    page = context.new_page()
    watch.watch(page)
    yield page
    context.close()


@pytest.fixture
def profile_restored(live: Live) -> Iterator[None]:
    """The live server is shared: the profile goes back as it was for the tests after this one."""
    fallback = live.app.extensions["tsunagu.profile"]
    with Session(get_engine(live.app)) as session:
        before = get_profile(session, fallback)
    yield
    with Session(get_engine(live.app)) as session, session.begin():
        store_profile(session, before)


def test_an_administrator_previews_and_saves_the_profile(
    phone_page: Page, live: Live, axe_source: str, watch: Watch, profile_restored: None
) -> None:
    page = phone_page
    admin = make_staff(live.app, "admin")
    page.goto(live.url + "/staff/login")
    page.get_by_label("ログインID").fill(admin.login)
    page.get_by_label("パスワード").fill(admin.password)
    page.get_by_role("button", name="次へ").click()
    page.get_by_label("確認コード").fill(pyotp.TOTP(admin.secret or "").now())
    page.get_by_role("button", name="ログイン").click()

    page.get_by_role("link", name="自治体の設定").click()
    expect(page.get_by_role("heading", name="自治体の設定", exact=True)).to_be_visible()
    assert axe_violations(page, axe_source) == []
    page.get_by_label("担当課の電話番号").fill(NEW_PHONE)
    page.get_by_label("専用相談窓口の受付時間").fill("毎日 17時から22時")
    page.get_by_role("button", name="確認する").click()

    expect(page.get_by_role("heading", name="確認（まだ保存していません）")).to_be_visible()
    expect(page.locator(".preview-frame").get_by_role("link", name=NEW_PHONE)).to_be_visible()
    for side in ("表面", "裏面"):
        card = page.get_by_role("img", name=f"カードの{side}のプレビュー")
        expect(card).to_be_visible()
        expect(card).to_have_js_property("naturalWidth", 537)  # drawn, not a broken image
        assert card.evaluate("image => image.getBoundingClientRect().right") <= 375
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert axe_violations(page, axe_source) == []
    page.get_by_role("button", name="この内容で保存する").click()

    expect(page.get_by_role("status")).to_contain_text("自治体の設定を保存しました")
    assert axe_violations(page, axe_source) == []
    page.goto(live.url + "/")
    expect(page.locator(f'a[href="tel:{NEW_PHONE.replace("-", "")}"]').first).to_be_visible()
    assert watch.console_errors == [] and watch.foreign_requests == []
