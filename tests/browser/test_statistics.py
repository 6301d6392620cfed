"""統計 in a real browser: an analyst opens the referral figures from the dashboard, chooses a
month, and the page is accessible (axe) on a phone (375 px) and a desktop (1280 px), without
any script."""

from __future__ import annotations

import pyotp
import pytest
from playwright.sync_api import Page, expect

from backoffice.statistics.periods import Period, fiscal_year_of
from core.timezone import tokyo_today
from tests.browser.conftest import Live, axe_violations
from tests.referrals import make_referral
from tests.staff import Staff, make_staff

pytestmark = pytest.mark.browser


def _sign_in(page: Page, live: Live, staff: Staff) -> None:
    page.goto(live.url + "/staff/login")
    page.get_by_label("ログインID").fill(staff.login)
    page.get_by_label("パスワード").fill(staff.password)
    page.get_by_role("button", name="次へ").click()
    page.get_by_label("確認コード").fill(pyotp.TOTP(staff.secret or "").now())
    page.get_by_role("button", name="ログイン").click()


def _open_referral_figures(page: Page, live: Live, axe_source: str) -> None:
    coordinator = make_staff(live.app, "coordinator")
    for channel in ("line", "phone", "line"):
        make_referral(live.app, coordinator.id, source_channel=channel)
    _sign_in(page, live, make_staff(live.app, "analyst"))
    page.get_by_role("link", name="つなぎ支援").first.click()
    label = Period.fiscal_year(fiscal_year_of(tokyo_today())).label
    expect(page.get_by_role("heading", name=label)).to_be_visible()
    expect(page.get_by_role("table", name="受付件数（月別・受付の経路別）").first).to_be_visible()
    expect(
        page.get_by_role("img", name="受付件数（月別・受付の経路別）のグラフ").first
    ).to_be_visible()
    assert axe_violations(page, axe_source) == []


@pytest.mark.parametrize("width", [375])
def test_referral_figures_on_a_phone(page: Page, live: Live, axe_source: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    _open_referral_figures(page, live, axe_source)
    # The chart fits the phone's width: nothing scrolls sideways but the tables' own wrappers.
    chart = page.locator("svg.stat-chart").first.bounding_box()
    assert chart is not None and chart["x"] + chart["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.get_by_role("radio", name="月").check()
    page.get_by_label("年度（西暦・4月始まり）または年").fill("abcd")
    page.get_by_role("button", name="この期間で表示する").click()
    expect(page.get_by_role("alert")).to_contain_text("期間を変えられませんでした")
    assert axe_violations(page, axe_source) == []


def test_referral_figures_on_a_desktop(desktop_page: Page, live: Live, axe_source: str) -> None:
    _open_referral_figures(desktop_page, live, axe_source)
    today = tokyo_today()
    desktop_page.get_by_role("radio", name="月").check()
    desktop_page.get_by_label("年度（西暦・4月始まり）または年").fill(str(today.year))
    desktop_page.get_by_label("集計する月").select_option(str(today.month))
    desktop_page.get_by_role("button", name="この期間で表示する").click()
    label = Period.month(today.year, today.month).label
    expect(desktop_page.get_by_role("heading", name=label)).to_be_visible()
    assert axe_violations(desktop_page, axe_source) == []
