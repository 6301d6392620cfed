"""「いますぐ話したい」 on a 375x667 phone: right under the header, within the first screen, on
every kind of page, in Japanese, easy Japanese and English, by day and at 02:30 in Tokyo; and
accessible."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page
from sqlalchemy.orm import Session

from cards.batches import standing_batch
from core.db import get_engine
from core.timezone import TOKYO
from directory.facts import stable_id
from public_site.now import CLOCK
from tests.browser.conftest import Live, Watch, axe_violations
from wsgi import PUBLIC_SITE

pytestmark = pytest.mark.browser

TIMES = {
    "day": datetime(2026, 12, 8, 10, 0, tzinfo=TOKYO),  # a Tuesday morning
    "night": datetime(2026, 12, 8, 2, 30, tzinfo=TOKYO),
}
PHONE = {"width": 375, "height": 667}
SERVICE = "/directory/services/" + stable_id("service", "チャイルドライン")
PAGES = [
    "/",
    "/directory",
    "/directory?q=しにたい",
    "/directory?q=借金",
    SERVICE,
    "/directory/topics/debt",
    "/cards",
    "/no-such-page",
]


def public_app(live: Live) -> Flask:
    """The public site inside the combined app (the back office dispatches to it)."""
    return live.app.extensions[PUBLIC_SITE]


@pytest.fixture
def phone(browser: Browser, watch: Watch) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE)
    watch.attach(context)
    page = context.new_page()
    watch.watch(page)
    yield page
    context.close()


@pytest.fixture(params=sorted(TIMES))
def clock(request: pytest.FixtureRequest, live: Live) -> Iterator[str]:
    app = public_app(live)
    moment = TIMES[request.param]
    app.config[CLOCK] = lambda: moment
    yield request.param
    app.config.pop(CLOCK, None)


def with_clock(path: str, clock: str) -> str:
    """A distinct address per clock, so that the page cache (keyed by the real minute) does not
    serve the page rendered for the other clock."""
    return path + ("&" if "?" in path else "?") + f"clock={clock}"


def scan_path(live: Live) -> str:
    with Session(get_engine(live.app)) as session:
        batch = standing_batch(session)
        assert batch is not None
        return f"/c/{batch.code}"


def check_block(page: Page, url: str) -> None:
    page.goto(url)
    block = page.locator("[data-now-block]")
    box, header = block.bounding_box(), page.locator(".site-header").bounding_box()
    assert box is not None and header is not None, url
    follows = page.evaluate(
        "() => document.querySelector('.site-header').nextElementSibling"
        " === document.querySelector('[data-now-block]')"
    )
    assert follows, url
    assert abs(box["y"] - (header["y"] + header["height"])) <= 1, url
    assert box["y"] + box["height"] <= PHONE["height"], (url, box)
    assert block.locator('a[href="tel:119"]').is_visible(), url
    for link in block.locator("a").all():
        target = link.bounding_box()
        assert target is not None and target["height"] >= 44, (url, link.inner_text())


@pytest.mark.parametrize("lang", ["", "/easy", "/en"])
def test_the_block_is_first_and_within_the_first_screen(
    phone: Page, live: Live, clock: str, lang: str, watch: Watch
) -> None:
    for path in [*PAGES, scan_path(live)]:
        check_block(phone, live.url + lang + with_clock(path, clock))
    # (The 404 page is itself reported as a failed load, so only scripts' errors count.)
    assert [e for e in watch.console_errors if "status of 404" not in e] == []
    assert watch.foreign_requests == []


def test_at_night_the_block_offers_the_24_hour_lines_and_a_crisis_search_is_gentle(
    phone: Page, live: Live, axe_source: str
) -> None:
    app = public_app(live)
    app.config[CLOCK] = lambda: TIMES["night"]
    try:
        phone.goto(live.url + with_clock("/directory?q=しにたい", "night-crisis"))
        block = phone.locator("[data-now-block]")
        assert "つらい気持ちを話してくれてありがとう" in block.inner_text()
        assert "24時間" in block.inner_text()
        assert block.locator('a[href^="tel:0120"]').count() >= 1
        assert axe_violations(phone, axe_source) == []
    finally:
        app.config.pop(CLOCK, None)


@pytest.mark.parametrize(
    "path", ["/", "/easy/", "/en/directory?q=suicide", SERVICE, "/easy" + SERVICE, "/no-such-page"]
)
def test_pages_with_the_block_are_accessible(
    phone: Page, live: Live, clock: str, axe_source: str, path: str
) -> None:
    phone.goto(live.url + with_clock(path, clock))

    assert axe_violations(phone, axe_source) == []
