"""Every kind of public page in Japanese, やさしい日本語 and English on a 375 px phone: axe finds
nothing, the page does not scroll sideways, its hreflang alternates are valid (absolute, one per
language and x-default, each answering, the same set on every version), /easy/ pages show a
reading over every kanji of their main text, and /en/ pages show Japanese only where an element
says it is Japanese or not to be translated (a "(in Japanese)" fallback, a proper name)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import select
from sqlalchemy.orm import Session

from cards.batches import standing_batch
from core.db import get_engine
from core.i18n import LANGUAGES
from directory.models import Service
from tests.browser.conftest import Live, Watch, axe_violations

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 667}
PREFIX = {"ja": "", "easy": "/easy", "en": "/en"}
HREFLANG = {"ja": "ja", "easy": "ja-x-easy", "en": "en"}
# One address per kind of page; {english}, {japanese} and {card} come from the demo.
KINDS = {
    "home": "/",
    "directory": "/directory",
    "search": "/directory?q=眠れない&open_now=1",
    "crisis search": "/directory?q=しにたい",
    "language filter": "/directory?languages=en",
    "service with English": "/directory/services/{english}",
    "service in Japanese only": "/directory/services/{japanese}",
    "topic": "/directory/topics/debt",
    "worried about someone": "/worried-about-someone",
    "bereaved by suicide": "/bereaved-by-suicide",
    "cards": "/cards",
    "card scanned": "/c/{card}",
    "privacy": "/privacy",
    "accessibility": "/accessibility",
    "offline": "/offline",
    "embed": "/embed/",
    "not found": "/no-such-page",
}
NOT_FOUND = {"not found"}
UNINDEXED = {"embed"}  # a panel framed by partner sites, marked noindex: it has no alternates

# Text nodes of <main> with kanji outside any <ruby> (an /easy/ page owes each one a reading).
KANJI_WITHOUT_READING = """() => {
    const kanji = /[\\u3400-\\u9fff]/;
    const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
    const found = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement;
        if (kanji.test(node.data) && !parent.closest('ruby, script, style, [hidden]')
                && parent.getClientRects().length) found.push(node.data.trim());
    }
    return found;
}"""
# Text shown on the page with Japanese in it, outside an element marked as Japanese (lang) or
# as not to be translated: an English page owes the reader a marker for each.
UNMARKED_JAPANESE = """() => {
    const japanese = /[\\u3040-\\u30ff\\u3400-\\u9fff\\uff01-\\uff60]/;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const found = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement;
        if (!japanese.test(node.data) || !parent.getClientRects().length) continue;
        const marked = parent.closest('[lang]:not([lang^="en"]), [translate="no"]');
        if (!marked) found.push(node.data.trim());
    }
    return found;
}"""


def demo_values(live: Live) -> dict[str, str]:
    """A national line with English texts, a local service without, the standing card's code."""
    with Session(get_engine(live.app)) as session:
        published = select(Service).where(Service.status == "published").order_by(Service.name)
        services = session.scalars(published).all()
        batch = standing_batch(session)
        assert batch is not None
        return {
            "english": next(s.id for s in services if s.name_en),
            "japanese": next(s.id for s in services if not s.name_en),
            "card": batch.code,
        }


@pytest.fixture
def phone(browser: Browser, watch: Watch) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE)
    watch.attach(context)
    page = context.new_page()
    watch.watch(page)
    yield page
    context.close()


def alternates(page: Page) -> dict[str, str]:
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll(
            'head link[rel="alternate"][hreflang]')].map(l => [l.hreflang, l.href]))"""
    )


def check_hreflang(page: Page, live: Live, lang: str, kind: str, path: str) -> None:
    found = alternates(page)
    if kind in UNINDEXED:
        assert found == {} and page.locator('meta[name="robots"][content="noindex"]').count()
        return
    assert sorted(found) == sorted([*HREFLANG.values(), "x-default"]), found
    # Absolute addresses (Lighthouse refuses relative ones) on the site's public base URL,
    # never the Host a request named; the live server answers them at its own port.
    origins = {urlsplit(href)._replace(path="", query="", fragment="") for href in found.values()}
    assert len(origins) == 1 and all(o.scheme in ("http", "https") for o in origins), found
    assert found["x-default"] == found["ja"]
    if kind in NOT_FOUND:
        return  # an address no route knows: its alternates are the homes, or itself
    assert urlsplit(found[HREFLANG[lang]]).path == urlsplit(live.url + path).path
    for code, href in found.items():
        local = urlsplit(href)._replace(scheme="http", netloc=urlsplit(live.url).netloc)
        assert page.request.get(local.geturl()).status == 200, (code, href)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_each_page_kind_in_each_language_on_a_phone(
    phone: Page, live: Live, watch: Watch, axe_source: str, lang: str, kind: str
) -> None:
    path = PREFIX[lang] + KINDS[kind].format_map(demo_values(live))
    response = phone.goto(live.url + path)

    assert response is not None
    assert response.status == (404 if kind in NOT_FOUND else 200), path
    assert phone.evaluate("document.documentElement.lang") == ("en" if lang == "en" else "ja")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    assert axe_violations(phone, axe_source) == [], path
    check_hreflang(phone, live, lang, kind, path)
    if lang == "easy":
        assert phone.locator("main ruby rt").count() > 0, path
        assert phone.evaluate(KANJI_WITHOUT_READING) == [], path
    if lang == "en":
        assert phone.evaluate(UNMARKED_JAPANESE) == [], path
    assert watch.foreign_requests == []
