"""The three languages in a browser: the switch fits a 375 px phone beside the quick exit, the
easy pages show their readings over the kanji and are accessible, English words never break."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from directory.facts import stable_id
from tests.browser.conftest import Live, Watch, axe_violations

pytestmark = pytest.mark.browser

# TSUNAGU_SHOTS=DIR: keep a screenshot of each page at each width there, for a person to look at.
SHOTS = os.environ.get("TSUNAGU_SHOTS")
SERVICE = "/directory/services/" + stable_id("service", "よりそいホットライン")
PAGES = [
    "/easy/",
    "/easy/directory?q=借金",
    "/easy/directory?q=しにたい",
    "/easy" + SERVICE,
    "/en" + SERVICE,
    "/en/",
]
WIDTHS = {"phone": {"width": 375, "height": 667}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture(params=sorted(WIDTHS))
def sized(request: pytest.FixtureRequest, browser: Browser, watch: Watch) -> Iterator[Page]:
    context = browser.new_context(viewport=WIDTHS[request.param])
    watch.attach(context)
    page = context.new_page()
    watch.watch(page)
    yield page
    context.close()


@pytest.mark.parametrize("path", PAGES)
def test_the_header_fits_and_the_page_does_not_scroll_sideways(
    sized: Page, live: Live, path: str
) -> None:
    sized.goto(live.url + path)
    width = sized.viewport_size["width"] if sized.viewport_size else 0

    if SHOTS:
        name = path.strip("/").replace("/", "_").replace("?", "_") or "home"
        Path(SHOTS).mkdir(exist_ok=True)
        sized.screenshot(path=str(Path(SHOTS) / f"{name[:60]}-{width}.png"), full_page=False)
    assert sized.evaluate("document.documentElement.scrollWidth") <= width, path
    for selector in (".quick-exit", ".language-nav"):
        box = sized.locator(selector).bounding_box()
        assert box is not None and box["x"] + box["width"] <= width, (path, selector)
    switch = sized.locator(".language-nav li")
    assert switch.count() == 3
    assert sized.locator('.language-nav [aria-current="page"]').count() == 1


def test_easy_pages_show_readings_over_the_kanji(sized: Page, live: Live, axe_source: str) -> None:
    sized.goto(live.url + "/easy" + SERVICE)

    reading = sized.locator("main ruby rt").first
    word = sized.locator("main ruby").first
    assert reading.is_visible()
    above, base = reading.bounding_box(), word.bounding_box()
    assert above is not None and base is not None and above["y"] <= base["y"] + 1
    assert axe_violations(sized, axe_source) == []


def test_english_words_never_break_inside(sized: Page, live: Live) -> None:
    sized.goto(live.url + "/en" + SERVICE)

    # Each word of the hours table's day names sits on one line: a word split over two lines
    # would have a client rect per line.
    split = sized.evaluate(
        """() => [...document.querySelectorAll('.hours-table th')].filter(cell => {
            const range = document.createRange();
            range.selectNodeContents(cell);
            return range.getClientRects().length > 1;
        }).map(cell => cell.textContent)"""
    )
    assert split == []
