"""Browser fixtures: the combined app on a real port, driven by the system Chromium."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route, sync_playwright
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from backoffice.web.ratelimit import limiter
from core.config import Settings
from core.db import get_engine, make_engine
from core.migrate import upgrade_to_head
from tests.conftest import (
    NEUTRAL_URL,
    SERVER_URL,
    TEST_AUDIT_KEY,
    TEST_BLIND_INDEX_KEY,
    TEST_DATA_KEYS,
)
from tests.databases import fresh_database
from tests.demo_copies import load_demo
from wsgi import create_combined_app

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NEUTRAL_HOST = urlsplit(NEUTRAL_URL).hostname
PROJECT_ROOT = Path(__file__).resolve().parents[2]
AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"


@dataclass
class Live:
    url: str
    app: Flask


@pytest.fixture(scope="session")
def live_server(live: Live) -> str:
    return live.url


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The combined app (public at /, back office at /staff) with the demo loaded."""
    directory = tmp_path_factory.mktemp("live")
    with fresh_database(SERVER_URL, directory) as url:
        settings = Settings(
            env="test",
            instance_path=directory / "instance",
            database_url=url,
            public_secret_key="public-" + "p" * 40,
            backoffice_secret_key="backoffice-" + "b" * 40,
            quick_exit_url=NEUTRAL_URL,
            data_keys=TEST_DATA_KEYS,
            blind_index_key=TEST_BLIND_INDEX_KEY,
            audit_key=TEST_AUDIT_KEY,
            argon2_time_cost=1,
            argon2_memory_kib=1024,
        )
        engine = make_engine(url)
        upgrade_to_head(engine)
        with Session(engine) as session:
            load_demo(session, settings)
        engine.dispose()
        app = create_combined_app(replace(settings))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield Live(f"http://127.0.0.1:{server.server_port}", app)
        server.shutdown()
        thread.join(timeout=10)
        get_engine(app).dispose()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is not at {CHROMIUM}: run `make test` (it installs Debian's chromium) "
            "or set CHROMIUM to its path"
        )
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@dataclass
class Watch:
    """What a page did that it should not: console errors and requests to other hosts."""

    console_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    exits: list[str] = field(default_factory=list)

    def attach(self, context: BrowserContext) -> None:
        context.route("**/*", self._route)

    def watch(self, page: Page) -> None:
        page.on(
            "console",
            lambda message: (
                self.console_errors.append(message.text) if message.type == "error" else None
            ),
        )
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def _route(self, route: Route) -> None:
        host = urlsplit(route.request.url).hostname
        if host == "127.0.0.1":
            route.continue_()
        elif host == NEUTRAL_HOST:
            # The quick exit's destination: answered here, so nothing leaves the machine.
            self.exits.append(route.request.url)
            route.fulfill(status=200, content_type="text/html", body="<title>neutral</title>")
        else:
            self.foreign_requests.append(route.request.url)
            route.abort()


def _context(browser: Browser, watch: Watch, **options) -> BrowserContext:
    context = browser.new_context(**options)
    watch.attach(context)
    return context


@pytest.fixture(autouse=True)
def fresh_sign_in_limits() -> None:
    """Every browser test signs in from 127.0.0.1 against the one live server: each starts with
    the per-address sign-in limit unused, as a person at their own address would, instead of
    inheriting the suite's earlier sign-ins (the limit is tested in test_ratelimit_network.py)."""
    limiter.reset()


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def page(browser: Browser, watch: Watch) -> Iterator[Page]:
    context = _context(browser, watch, viewport={"width": 390, "height": 844})
    page = context.new_page()
    watch.watch(page)
    yield page
    context.close()


@pytest.fixture
def desktop_page(browser: Browser, watch: Watch) -> Iterator[Page]:
    context = _context(browser, watch, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watch.watch(page)
    yield page
    context.close()


@pytest.fixture
def no_script_page(browser: Browser, watch: Watch) -> Iterator[Page]:
    context = _context(browser, watch, java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail("axe-core is not installed: run `make test` (it runs `npm ci`)")
    return AXE.read_text(encoding="utf-8")


def axe_violations(page: Page, axe_source: str) -> list[dict]:
    """Run axe-core in the page (injected by the driver, so the page's CSP stays strict)."""
    page.evaluate(axe_source)
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result
    ]
