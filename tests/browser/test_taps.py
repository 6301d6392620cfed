"""Counted taps in a real browser at 375 px: a chat button leads to the service's own chat page
through /go/ and the day's count rises; the phone button stays a plain tel: link; staff see the
count in the back office."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import get_engine
from directory.facts import stable_id
from directory.models import ChannelTapDay
from tests.browser.conftest import Live, Watch
from tests.browser.test_backoffice import sign_in

pytestmark = pytest.mark.browser

SERVICE = stable_id("service", "チャイルドライン")
CHAT = "https://childline.or.jp/chat"
PHONE = {"width": 375, "height": 667}
SHOTS = os.environ.get("TSUNAGU_SHOTS")  # a folder: the test also saves what it saw there


def taps(live: Live) -> int:
    with Session(get_engine(live.app)) as session:
        total = session.scalar(
            select(func.sum(ChannelTapDay.count)).where(
                ChannelTapDay.service_id == SERVICE, ChannelTapDay.channel_kind == "chat"
            )
        )
    return int(total or 0)


@pytest.fixture
def phone(browser: Browser, watch: Watch) -> Iterator[tuple[Page, list[str]]]:
    context = browser.new_context(viewport=PHONE)
    watch.attach(context)
    arrived: list[str] = []

    def chat_site(route: Route) -> None:  # the service's own site, answered here
        arrived.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<title>chat</title>")

    context.route("https://childline.or.jp/**", chat_site)  # after watch: tried first
    page = context.new_page()
    watch.watch(page)
    yield page, arrived
    context.close()


def shot(page: Page, name: str, part: str = "body") -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.locator(part).first.screenshot(path=str(Path(SHOTS) / name))


def test_a_chat_button_goes_to_the_chat_through_go_and_is_counted(
    phone: tuple[Page, list[str]], live: Live, watch: Watch
) -> None:
    page, arrived = phone
    before = taps(live)
    page.goto(f"{live.url}/directory/services/{SERVICE}")
    shot(page, "service-375.png")
    button = page.locator("main a.channel-chat").first
    assert (button.get_attribute("href") or "").startswith(f"/go/{SERVICE}/")
    call = page.locator("main a.channel-phone").first
    expect(call).to_have_attribute("href", "tel:0120997777")

    button.click()

    page.wait_for_url(CHAT)
    assert arrived == [CHAT]
    assert taps(live) == before + 1
    assert watch.console_errors == []
    assert watch.foreign_requests == []


def test_staff_see_the_count_on_the_service_page(page: Page, live: Live) -> None:
    page.goto(f"{live.url}/directory/services/{SERVICE}")
    href = page.locator("main a.channel-chat").first.get_attribute("href")
    tapped = page.request.get(f"{live.url}{href}", max_redirects=0)
    assert (tapped.status, tapped.headers["location"]) == (303, CHAT)
    sign_in(page, live, "editor")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{live.url}/staff/directory/services/{SERVICE}")

    expect(page.get_by_role("heading", name="ボタンの利用")).to_be_visible()
    expect(page.locator("table", has_text="直近30日")).to_contain_text("チャット")
    shot(page, "backoffice-service-1280.png", "section[aria-labelledby=channels-title]")
    page.goto(f"{live.url}/staff/directory/")
    shot(page, "backoffice-list-1280.png", "section[aria-labelledby=all-title]")
    page.set_viewport_size(PHONE)
    shot(page, "backoffice-list-375.png", "section[aria-labelledby=all-title]")


def test_a_phone_button_is_a_plain_tel_link_handed_straight_to_the_dialler(
    phone: tuple[Page, list[str]], live: Live
) -> None:
    # Why phones are not counted: Chromium hands a tel: link straight to the phone's dialler,
    # but answered with a 303 to tel: it hands nothing on that we can see (README, "Which help
    # is used"), and Safari cannot be checked here. A call must never depend on our server.
    page, _ = phone
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(f"{live.url}/directory/services/{SERVICE}")
    before = taps(live)

    page.locator("main a.channel-phone").first.click()

    expect(page).to_have_url(f"{live.url}/directory/services/{SERVICE}")
    assert "tel:0120997777" in asked
    assert not [url for url in asked if "/go/" in url]
    assert taps(live) == before
