"""Help that stays up offline, in Chromium on a 375 px phone: once the service worker is active,
the home page and a service page the person viewed still show offline, with the note
「オフラインです。電話番号は○月○日時点のものです」 and 119; a page never viewed shows the offline
page with the numbers; and online, nothing of this shows."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from directory.facts import stable_id
from tests.browser.conftest import Live, Watch

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 667}
SERVICE = "/directory/services/" + stable_id("service", "チャイルドライン")
NOTE = "[data-offline-note]"
KEPT = "url => caches.open('tsunagu-viewed').then(c => c.match(url)).then(Boolean)"
# Where the screenshots of the offline pages go when asked for (to look at them).
SHOTS = os.environ.get("TSUNAGU_SCREENSHOTS")


@pytest.fixture
def context(browser: Browser, watch: Watch) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=PHONE)
    watch.attach(context)
    yield context
    context.close()


@pytest.fixture
def phone(context: BrowserContext, watch: Watch) -> Page:
    page = context.new_page()
    watch.watch(page)
    return page


def kept(page: Page, cache: str) -> list[str]:
    return page.evaluate(
        "name => caches.open(name).then(c => c.keys()).then(keys => keys.map(r => r.url))", cache
    )


def wait_for_worker(page: Page) -> None:
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def eventually(page: Page, script: str, arg: object, tries: int = 50) -> bool:
    """Whether ``script`` (which may answer with a promise) comes true within some 5 seconds.

    Playwright's wait_for_function takes a promise for a true answer, so it cannot wait on one.
    """
    for _ in range(tries):
        if page.evaluate(script, arg):
            return True
        page.wait_for_timeout(100)
    return False


def shoot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"offline-{name}.png"), full_page=True)


def test_home_and_viewed_pages_stay_up_offline_with_the_date_of_their_numbers(
    live: Live, context: BrowserContext, phone: Page, watch: Watch
) -> None:
    phone.goto(live.url + "/")
    wait_for_worker(phone)
    expect(phone.locator(NOTE)).to_be_hidden()  # online: no note
    phone.goto(live.url + SERVICE)
    assert eventually(phone, KEPT, live.url + SERVICE)
    expect(phone.locator(NOTE)).to_be_hidden()
    assert watch.console_errors == [] and watch.foreign_requests == []

    context.set_offline(True)

    phone.goto(live.url + "/")
    expect(phone.locator(NOTE)).to_be_visible()
    expect(phone.locator(NOTE)).to_contain_text("オフラインです。電話番号は")
    expect(phone.locator(NOTE)).to_contain_text(r"月")
    expect(phone.locator(".now-block a[href='tel:119']")).to_be_visible()
    shoot(phone, "home")

    phone.goto(live.url + SERVICE)
    expect(phone.locator(NOTE)).to_be_visible()
    expect(phone.locator("h1")).to_contain_text("チャイルドライン")
    expect(phone.locator("a[href='tel:119']").first).to_be_visible()
    assert phone.locator(".status, .now-state").count() == 0  # "open now" was then, not now
    shoot(phone, "service")

    phone.goto(live.url + "/directory/topics/debt")  # never viewed
    expect(phone.locator("h1")).to_contain_text("つながらないときの連絡先")
    expect(phone.locator(NOTE)).to_be_visible()
    expect(phone.locator("a[href='tel:119']")).to_be_visible()
    expect(phone.locator("a[href='tel:110']")).to_be_visible()
    shoot(phone, "fallback")

    phone.goto(live.url + "/en/directory/topics/debt")
    expect(phone.locator("h1")).to_contain_text("Contacts for when you cannot connect")
    expect(phone.locator(NOTE)).to_contain_text("Offline. The phone numbers are as of")
    shoot(phone, "fallback-en")


def test_searches_are_never_kept(live: Live, phone: Page) -> None:
    phone.goto(live.url + "/")
    wait_for_worker(phone)
    phone.goto(live.url + "/directory?q=借金")
    phone.goto(live.url + "/privacy")
    assert eventually(phone, KEPT, live.url + "/privacy")

    assert not [url for url in kept(phone, "tsunagu-viewed") if "?" in url]


def test_quick_exit_forgets_the_pages_viewed(
    live: Live, context: BrowserContext, phone: Page
) -> None:
    phone.goto(live.url + "/")
    wait_for_worker(phone)
    phone.goto(live.url + SERVICE)
    assert eventually(phone, KEPT, live.url + SERVICE)

    phone.get_by_role("link", name="すぐに閉じる").click()
    phone.wait_for_url(lambda url: not url.startswith(live.url))

    later = context.new_page()
    later.goto(live.url + "/privacy")
    assert eventually(
        later,
        "url => caches.match(url, {cacheName: 'tsunagu-viewed'}).then(f => !f)",
        live.url + SERVICE,
    )
    kept_pages = later.evaluate(
        "caches.open('tsunagu-pages').then(c => c.keys()).then(k => k.length)"
    )
    assert kept_pages > 0  # the front door stays for offline use
    later.close()
