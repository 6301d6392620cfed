"""The help panel framed by a partner page on another origin, as a partner would paste it: shown
when the profile lists that origin, refused by the browser when it does not; accessible inside
a 320 px frame; its links open the full site in a new tab, leaving the partner's page as it was.

The partner page is served by a second local server (http://localhost:<port>), a different
origin from the app (http://127.0.0.1:<port>); outside production a loopback origin may be
listed (`core.origins`), so the test stores it through `core.profile` as staff would save it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Frame, Page, Route, expect
from sqlalchemy.orm import Session

from backoffice.settings.embed_snippet import embed_snippet
from core.db import get_engine
from core.profile import get_profile, store_profile
from tests.browser.conftest import Live, axe_violations
from tests.browser.test_backoffice import sign_in

pytestmark = pytest.mark.browser

# TSUNAGU_SHOTS=DIR: keep screenshots of the panel and of a partner page there, to look at.
SHOTS = os.environ.get("TSUNAGU_SHOTS")


def keep_shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


@dataclass
class Partner:
    origin: str
    pages: dict[str, str] = field(default_factory=dict)

    def page(self, name: str, body: str) -> str:
        self.pages[name] = (
            '<!doctype html><html lang="ja"><head><meta charset="utf-8">'
            "<title>連携先のページ</title></head><body><h1>連携先のページ</h1>"
            f"<p>市の相談窓口の案内です。</p>{body}</body></html>"
        )
        return f"{self.origin}/{name}"


@pytest.fixture(scope="module")
def partner() -> Iterator[Partner]:
    """A partner site on its own origin: serves the pages a test gives it, nothing else."""
    served = Partner("")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = served.pages.get(self.path.lstrip("/"))
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write((body or "").encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    served.origin = f"http://localhost:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served
    server.shutdown()
    thread.join(timeout=10)


def list_partners(live: Live, origins: tuple[str, ...]) -> None:
    with Session(get_engine(live.app)) as session, session.begin():
        fallback = live.app.extensions["tsunagu.profile"]
        store_profile(session, replace(get_profile(session, fallback), partner_origins=origins))


@pytest.fixture
def listed(live: Live, partner: Partner) -> Iterator[Partner]:
    list_partners(live, (partner.origin,))
    yield partner
    list_partners(live, ())


@dataclass
class Seen:
    console: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)


def open_context(browser: Browser, seen: Seen, width: int) -> BrowserContext:
    context = browser.new_context(viewport={"width": width, "height": 900})

    def route(request: Route) -> None:
        host = urlsplit(request.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            request.continue_()
        else:
            seen.foreign.append(request.request.url)
            request.abort()

    context.route("**/*", route)
    return context


def framing_page(browser: Browser, seen: Seen, width: int) -> Page:
    page = open_context(browser, seen, width).new_page()
    page.on("console", lambda message: seen.console.append(message.text))
    return page


def panel_frame(page: Page, live: Live) -> Frame:
    for frame in page.frames:
        if frame.url.startswith(live.url):
            return frame
    raise AssertionError(f"no frame from {live.url}: {[f.url for f in page.frames]}")


def snippet(live: Live, lang: str = "ja", width: int | None = None) -> str:
    html = embed_snippet(live.url, "京丹後市", lang).html
    return html if width is None else html.replace('width="360"', f'width="{width}"')


def test_a_listed_partner_shows_the_panel_in_its_page(
    browser: Browser, live: Live, listed: Partner
) -> None:
    seen = Seen()
    page = framing_page(browser, seen, 1280)
    page.goto(listed.page("listed.html", snippet(live)))
    frame = page.frame_locator("iframe")
    frame.locator("#now-title").wait_for()
    assert frame.locator(".now-call").count() >= 2  # 119 and 110
    assert frame.locator("input[name=q]").is_visible()
    keep_shot(page, "embed-partner-1280")
    assert not [m for m in seen.console if "Refused" in m], seen.console
    assert seen.foreign == []
    page.context.close()


def test_an_unlisted_partner_is_refused_by_the_browser(
    browser: Browser, live: Live, partner: Partner
) -> None:
    list_partners(live, ())
    seen = Seen()
    page = framing_page(browser, seen, 1280)
    page.goto(partner.page("unlisted.html", snippet(live)))
    page.wait_for_timeout(500)  # let the refused frame settle; nothing is measured in time
    assert any("frame-ancestors" in m for m in seen.console), seen.console
    for frame in page.frames[1:]:
        assert frame.locator("#now-title").count() == 0
    page.context.close()


def test_a_partner_listed_then_removed_is_refused_on_the_next_load(
    browser: Browser, live: Live, listed: Partner
) -> None:
    seen = Seen()
    page = framing_page(browser, seen, 1280)
    address = listed.page("removed.html", snippet(live))
    page.goto(address)
    page.frame_locator("iframe").locator("#now-title").wait_for()
    list_partners(live, ())
    page.goto(address)
    page.wait_for_timeout(500)
    assert any("frame-ancestors" in m for m in seen.console), seen.console
    page.context.close()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_framed_panel_is_accessible_at_320_px(
    browser: Browser, live: Live, listed: Partner, axe_source: str, lang: str
) -> None:
    """axe runs in the frame through the driver, which needs the frame to allow scripts: the
    snippet's sandbox plus allow-scripts here (the panel has none of its own, so axe sees the
    same page a partner's visitors see)."""
    seen = Seen()
    page = framing_page(browser, seen, 375)
    framed = snippet(live, lang, width=320).replace('sandbox="', 'sandbox="allow-scripts ')
    page.goto(listed.page(f"narrow-{lang}.html", framed))
    page.frame_locator("iframe").locator("#now-title").wait_for()
    frame = panel_frame(page, live)
    assert frame.evaluate("document.documentElement.clientWidth") == 320
    assert frame.evaluate("document.documentElement.scrollWidth") <= 320
    frame.evaluate(axe_source)
    violations = frame.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations] == []
    keep_shot(page, f"embed-partner-320-{lang}")
    page.context.close()


@pytest.mark.parametrize("width", [320, 375])
def test_the_panel_alone_at_phone_widths(
    browser: Browser, live: Live, axe_source: str, width: int
) -> None:
    seen = Seen()
    page = framing_page(browser, seen, width)
    page.goto(f"{live.url}/embed/")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert axe_violations(page, axe_source) == []
    keep_shot(page, f"embed-{width}")
    page.context.close()


def test_the_search_opens_the_full_site_in_a_new_tab(
    browser: Browser, live: Live, listed: Partner
) -> None:
    seen = Seen()
    page = framing_page(browser, seen, 1280)
    address = listed.page("search.html", snippet(live))
    page.goto(address)
    frame = page.frame_locator("iframe")
    frame.locator("input[name=q]").fill("借金")
    with page.context.expect_page() as opened:
        frame.locator(".embed-search button").click()
    tab = opened.value
    tab.wait_for_load_state()
    assert tab.url.startswith(f"{live.url}/directory?q=")
    assert tab.locator("h1").count() == 1 and "借金" in tab.locator("#q").input_value()
    assert tab.evaluate("window.opener") is None
    assert page.url == address  # the partner's page stays where it was
    page.context.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_an_administrator_reads_the_snippets_at_any_width(
    browser: Browser, live: Live, listed: Partner, axe_source: str, width: int
) -> None:
    seen = Seen()
    page = framing_page(browser, seen, width)
    sign_in(page, live, "admin")
    page.goto(f"{live.url}/staff/settings/embed")
    expect(page.get_by_role("heading", level=1)).to_have_text("ウィジェットの貼り付けコード")
    expect(page.get_by_text(listed.origin)).to_be_visible()
    copied = page.get_by_label("日本語", exact=True).input_value()
    base_url = live.app.config["TSUNAGU_SETTINGS"].public_base_url
    assert copied == embed_snippet(base_url, "京丹後市", "ja").html
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert axe_violations(page, axe_source) == []
    keep_shot(page, f"embed-snippet-{width}")
    page.context.close()
