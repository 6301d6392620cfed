"""The public site in a real browser: it renders, it lets people leave fast, it is accessible."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from cards.batches import standing_batch
from core.db import get_engine
from directory.facts import stable_id
from tests.browser.conftest import Live, Watch, axe_violations
from tests.conftest import NEUTRAL_URL

pytestmark = pytest.mark.browser

CHILDLINE = "/directory/services/" + stable_id("service", "チャイルドライン")
PUBLIC_PAGES = [
    "/",
    "/en/",
    "/directory",
    "/en/directory",
    "/directory?q=しゃっきん&open_now=1",
    "/directory?q=存在しないことば&areas=municipality",
    CHILDLINE,
    "/en" + CHILDLINE,
    "/directory/topics/debt",
    "/privacy",
    "/en/privacy",
    "/accessibility",
    "/en/accessibility",
    "/cards",
    "/en/cards",
    "/worried-about-someone",
    "/en/worried-about-someone",
    "/bereaved-by-suicide",
    "/en/bereaved-by-suicide",
]
# An unknown card code shows the scan landing page, with status 404.
ERROR_PAGES = ["/no-such-page", "/en/no-such-page", "/c/abcdefghjk"]


def test_home_renders_in_japanese(page: Page, live_server: str, watch: Watch) -> None:
    page.goto(live_server + "/")

    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("heading", level=1)).to_contain_text("話してみませんか")
    # 119 is in the いますぐ話したい block at the top and again in the page's own help.
    expect(page.get_by_role("link", name=re.compile("119")).first).to_be_visible()
    assert watch.console_errors == []


def test_home_renders_in_english(page: Page, live_server: str, watch: Watch) -> None:
    page.goto(live_server + "/")
    page.get_by_role("link", name="English").click()

    expect(page).to_have_url(live_server + "/en/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_contain_text("carry it alone")
    assert watch.console_errors == []


def test_quick_exit_by_click_leaves_no_way_back(page: Page, live_server: str, watch: Watch) -> None:
    page.goto(live_server + "/directory")

    page.get_by_role("link", name="すぐに閉じる").click()

    expect(page).to_have_url(NEUTRAL_URL)
    page.go_back()
    assert not page.url.startswith(live_server)
    assert watch.exits == [NEUTRAL_URL]


def test_quick_exit_by_pressing_escape_twice(page: Page, live_server: str) -> None:
    page.goto(live_server + "/")
    page.locator("body").click(position={"x": 5, "y": 400})

    page.keyboard.press("Escape")
    page.keyboard.press("Escape")

    expect(page).to_have_url(NEUTRAL_URL)
    page.go_back()
    assert not page.url.startswith(live_server)


def test_a_single_escape_keeps_the_page(page: Page, live_server: str) -> None:
    page.goto(live_server + "/")

    page.keyboard.press("Escape")
    page.wait_for_timeout(1200)
    page.keyboard.press("Escape")

    expect(page).to_have_url(live_server + "/")


def test_quick_exit_works_without_javascript(no_script_page: Page, live_server: str) -> None:
    no_script_page.goto(live_server + "/")

    no_script_page.get_by_role("link", name="すぐに閉じる").click()

    expect(no_script_page).to_have_url(NEUTRAL_URL)


def test_keyboard_hint_is_shown_on_wide_screens(desktop_page: Page, live_server: str) -> None:
    desktop_page.goto(live_server + "/")

    expect(desktop_page.get_by_text("Esc キーを2回続けて押す")).to_be_visible()


@pytest.mark.parametrize("path", PUBLIC_PAGES + ERROR_PAGES + ["/staff/login"])
def test_no_console_errors_and_nothing_leaves_the_machine(
    page: Page, live_server: str, watch: Watch, path: str
) -> None:
    response = page.goto(live_server + path)
    page.wait_for_load_state("networkidle")

    # An error page's own status is reported by Chromium as a console error; nothing else may be.
    expected = [] if path not in ERROR_PAGES else [_status_message(response.status)]
    assert watch.console_errors == expected
    assert watch.foreign_requests == []


def _status_message(status: int) -> str:
    return f"Failed to load resource: the server responded with a status of {status} (NOT FOUND)"


@pytest.mark.parametrize("path", PUBLIC_PAGES + ERROR_PAGES + ["/staff/login"])
def test_axe_finds_no_violations_on_a_phone(
    page: Page, live_server: str, axe_source: str, path: str
) -> None:
    page.goto(live_server + path)

    assert axe_violations(page, axe_source) == []


@pytest.mark.parametrize("path", ["/", "/en/", "/directory", "/staff/login"])
def test_axe_finds_no_violations_on_a_desktop(
    desktop_page: Page, live_server: str, axe_source: str, path: str
) -> None:
    desktop_page.goto(live_server + path)

    assert axe_violations(desktop_page, axe_source) == []


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_readable_at_320_pixels_without_sideways_scrolling(
    page: Page, live_server: str, path: str
) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(live_server + path)

    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 320


@pytest.mark.parametrize("path", ["/", "/en/", "/directory"])
def test_touch_targets_are_at_least_44_pixels(page: Page, live_server: str, path: str) -> None:
    page.goto(live_server + path)

    small = page.evaluate(
        """() => [...document.querySelectorAll(
                '.button, .quick-exit, .language-nav a, .footer-links a, .phone-link, '
                + '.area-nav a, summary')]
            .filter(el => el.offsetParent !== null)
            .map(el => [el.textContent.trim().slice(0, 30), el.getBoundingClientRect()])
            .filter(([, r]) => r.height < 44 || r.width < 44)
            .map(([text, r]) => `${text}: ${Math.round(r.width)}x${Math.round(r.height)}`)"""
    )
    assert small == []


def test_skip_link_moves_focus_to_the_content(page: Page, live_server: str) -> None:
    page.goto(live_server + "/")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="本文へ移動")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")

    expect(page.locator("main")).to_be_focused()


def test_page_is_readable_at_double_text_size(page: Page, live_server: str) -> None:
    page.goto(live_server + "/")
    # Text zoom as a browser setting would do it (CSSOM changes are allowed under the CSP).
    page.evaluate("document.documentElement.style.fontSize = '200%'")

    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_search_and_filters_work_without_javascript(no_script_page: Page, live_server: str) -> None:
    page = no_script_page
    page.goto(live_server + "/directory")

    page.get_by_label("ことばでさがす").fill("ひきこもり")
    page.get_by_role("button", name="さがす", exact=True).click()
    expect(page.get_by_role("heading", name="ひきこもり地域支援センター")).to_be_visible()

    page.get_by_text("条件でしぼりこむ").click()
    page.get_by_label("府内の窓口").check()
    page.get_by_role("button", name="この条件でさがす").click()

    expect(page).to_have_url(re.compile(r"areas=prefecture"))
    expect(page.get_by_role("heading", name="ひきこもり地域支援センター")).to_have_count(0)
    expect(
        page.get_by_role("heading", name=re.compile("京都府脱ひきこもり支援センター"))
    ).to_be_visible()
    page.go_back()
    expect(page.get_by_role("heading", name="ひきこもり地域支援センター")).to_be_visible()


def test_a_card_scan_lands_on_help_and_sets_no_cookie(
    page: Page, live: Live, axe_source: str, watch: Watch
) -> None:
    with Session(get_engine(live.app)) as session:
        batch = standing_batch(session)
        assert batch is not None
        code = batch.code

    response = page.goto(f"{live.url}/c/{code}")

    assert response is not None and response.status == 200
    # Help first (the block, then a heading that invites to talk); the thanks after it.
    expect(page.get_by_role("heading", level=1)).to_contain_text("話してみませんか")
    expect(page.get_by_text("読み取ってくださって、ありがとうございます")).to_be_visible()
    expect(page.locator('a[href="tel:119"]').first).to_be_visible()
    assert page.context.cookies() == []
    assert axe_violations(page, axe_source) == []
    assert watch.console_errors == []


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/", "ひとりで抱えこまず、話してみませんか"),
        ("/bereaved-by-suicide", "大切な人を自死で亡くされた方へ"),
    ],
)
def test_a_heading_breaks_only_between_phrases_on_a_narrow_phone(
    page: Page, live_server: str, path: str, heading: str
) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(live_server + path)

    # Each line of the heading, as laid out: it starts where a phrase starts.
    lines = page.evaluate(
        """() => {
            const h1 = document.querySelector("h1");
            const walker = document.createTreeWalker(h1, NodeFilter.SHOW_TEXT);
            const lines = new Map();
            for (let node; (node = walker.nextNode()); ) {
                for (let i = 0; i < node.length; i++) {
                    const range = document.createRange();
                    range.setStart(node, i);
                    range.setEnd(node, i + 1);
                    const top = Math.round(range.getBoundingClientRect().top);
                    lines.set(top, (lines.get(top) || "") + node.data[i]);
                }
            }
            return [...lines.values()];
        }"""
    )
    assert "".join(lines) == heading
    phrases = page.evaluate(
        "() => document.querySelector('h1').innerHTML.split('<wbr>')"
        ".map(p => p.replace(/<[^>]+>/g, ''))"
    )
    starts = {sum(len(p) for p in phrases[:i]) for i in range(len(phrases))}
    offsets = [sum(len(line) for line in lines[:i]) for i in range(len(lines))]
    assert len(lines) > 1 and set(offsets) <= starts
