"""Every public page in the three languages: Japanese at /, やさしい日本語 at /easy/, English at
/en/; the language switch keeps the page and its query; hreflang links are absolute."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from core.i18n import LANGUAGES
from tests.test_public_text import public_urls

BASE = "https://tsunagu.test"  # the settings fixture's public base URL
PAGES = ["/", "/privacy", "/accessibility", "/worried-about-someone", "/bereaved-by-suicide"]
PAGES += ["/directory", "/cards", "/offline"]
PREFIX = {"ja": "", "easy": "/easy", "en": "/en"}


class Links(HTMLParser):
    """The page's <html lang>, its alternate links and its language switch."""

    def __init__(self) -> None:
        super().__init__()
        self.html_lang = ""
        self.alternates: dict[str, str] = {}
        self.switch: dict[str, str | None] = {}
        self.current: list[str] = []
        self._in_nav = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.html_lang = found.get("lang") or ""
        if tag == "link" and found.get("rel") == "alternate" and found.get("hreflang"):
            self.alternates[found["hreflang"] or ""] = found.get("href") or ""
        if tag == "nav" and "language-nav" in (found.get("class") or ""):
            self._in_nav = True
        if self._in_nav and tag == "a":
            self.switch[found.get("hreflang") or ""] = found.get("href")
        if self._in_nav and found.get("aria-current") == "page":
            self.current.append(found.get("lang") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self._in_nav = False


def links(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("path", PAGES)
def test_every_page_answers_in_each_language(
    client: FlaskClient, demo: Session, lang: str, path: str
) -> None:
    response = client.get(PREFIX[lang] + path)

    assert response.status_code == 200, (lang, path)
    found = links(response.get_data(as_text=True))
    assert found.html_lang == ("en" if lang == "en" else "ja")


def test_every_service_and_topic_page_answers_in_easy_japanese(
    client: FlaskClient, public_app: Flask, demo: Session
) -> None:
    urls = [u for u in public_urls(public_app, demo) if u.startswith("/easy/") and "/c/" not in u]
    for url in urls:
        # get_urls fills a route's variables with "x": no such service, topic or card.
        assert client.get(url).status_code == (404 if url.endswith("/x") else 200), url
    assert len(urls) > 40


def test_hreflang_links_are_absolute_one_per_language_and_a_default(
    client: FlaskClient, demo: Session
) -> None:
    found = links(client.get("/easy/directory?q=借金&topics=debt").get_data(as_text=True))

    assert set(found.alternates) == {"ja", "ja-x-easy", "en", "x-default"}
    for href in found.alternates.values():
        assert href.startswith(BASE + "/"), href
    assert found.alternates["x-default"] == found.alternates["ja"]
    assert found.alternates["ja-x-easy"].startswith(BASE + "/easy/directory?")
    assert found.alternates["en"].startswith(BASE + "/en/directory?")


def test_the_switch_offers_the_other_two_languages_and_marks_the_current_one(
    client: FlaskClient, demo: Session
) -> None:
    found = links(client.get("/easy/privacy").get_data(as_text=True))

    assert found.switch == {"ja": "/privacy", "en": "/en/privacy"}
    assert found.current == ["ja"]  # やさしい日本語 is Japanese text


def test_the_switch_keeps_the_search_words_filters_and_page(
    client: FlaskClient, demo: Session
) -> None:
    html = client.get("/directory?q=借金&topics=debt&open_now=1&page=2").get_data(as_text=True)
    switch = links(html).switch

    for hreflang, prefix in (("ja-x-easy", "/easy"), ("en", "/en")):
        address = switch[hreflang] or ""
        assert address.startswith(prefix + "/directory?")
        for part in ("q=%E5%80%9F%E9%87%91", "topics=debt", "open_now=1", "page=2"):
            assert part in address, (hreflang, address)


def test_an_error_page_under_easy_is_in_easy_japanese(client: FlaskClient, demo: Session) -> None:
    response = client.get("/easy/no-such-page")

    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "<ruby>" in html
    assert links(html).current == ["ja"]
    assert links(html).switch == {"ja": "/", "en": "/en/"}  # no page to keep: the home pages


def test_links_on_an_easy_page_stay_in_easy_japanese(client: FlaskClient, demo: Session) -> None:
    html = client.get("/easy/").get_data(as_text=True)

    assert 'href="/easy/directory"' in html
    assert 'href="/easy/privacy"' in html
    assert 'href="/directory"' not in html


def test_the_switch_leaves_out_a_tracking_parameter(client: FlaskClient, demo: Session) -> None:
    html = client.get("/directory?q=借金&fbclid=abc&utm_source=x").get_data(as_text=True)

    for address in links(html).switch.values():
        assert "q=" in (address or "") and "fbclid" not in (address or "")
        assert "utm_" not in (address or "")


@pytest.mark.parametrize(("lang", "html_lang"), [("ja", "ja"), ("easy", "ja"), ("en", "en")])
def test_each_language_has_its_own_manifest(
    client: FlaskClient, demo: Session, lang: str, html_lang: str
) -> None:
    manifest = client.get(PREFIX[lang] + "/manifest.webmanifest").get_json()

    assert manifest["lang"] == html_lang
    assert manifest["start_url"] == PREFIX[lang] + "/"
    assert "<" not in manifest["name"] + manifest["description"]  # no furigana markup in JSON
