"""English pages are in English: every Japanese text on an /en/ page sits in an element that says
so (``lang="ja"``: a directory text staff have not translated yet, shown with "(in Japanese)",
or a proper name such as a district) or that is not to be translated (``translate="no"``). A
<title> cannot mark a part of itself: one with Japanese in it says "(in Japanese)"."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.models import ContactChannel, Service
from tests.test_public_text import public_urls

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff60]")  # kana, kanji, full-width
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"})
VOID |= {"source", "track", "wbr"}
UNREAD = frozenset({"script", "style", "template", "title"})
MARKER = "(in Japanese)"


class UnmarkedJapanese(HTMLParser):
    """Text with Japanese in it outside any element marked as Japanese or not to translate."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._open: list[tuple[str, bool]] = []  # tag, and whether it or a parent is marked

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        found = dict(attrs)
        lang = found.get("lang") or ""
        marked = (bool(lang) and not lang.startswith("en")) or found.get("translate") == "no"
        inherited = bool(self._open) and self._open[-1][1]
        self._open.append((tag, marked or tag in UNREAD or inherited))

    def handle_endtag(self, tag: str) -> None:
        while self._open and self._open.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        if JAPANESE.search(data) and not (self._open and self._open[-1][1]):
            self.found.append(data.strip())

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass


def unmarked_japanese(html: str) -> list[str]:
    parser = UnmarkedJapanese()
    parser.feed(html)
    return parser.found


def test_the_parser_finds_unmarked_japanese_and_passes_marked() -> None:
    html = '<p>Open <span lang="ja">毎日</span> <b>休み</b><i translate="no">京丹後</i></p>'

    assert unmarked_japanese(html) == ["休み"]


def test_english_pages_show_japanese_only_where_it_is_marked(
    client: FlaskClient, public_app: Flask, demo: Session
) -> None:
    checked, leftovers = 0, {}
    for url in public_urls(public_app, demo):
        if not url.startswith("/en/"):
            continue
        response = client.get(url)
        if response.mimetype != "text/html":
            continue
        checked += 1
        html = response.get_data(as_text=True)
        for text in unmarked_japanese(html):
            leftovers.setdefault(text, url)
        title = html.split("<title>", 1)[1].split("</title>", 1)[0]
        if JAPANESE.search(title) and MARKER not in title:
            leftovers.setdefault(title, url)

    assert checked > 50
    assert leftovers == {}


def test_a_cost_note_that_only_repeats_the_cost_is_not_shown_again(
    client: FlaskClient, demo: Session
) -> None:
    """あなたのいばしょ's note is 無料, in English "Free": its English pages say "Free" once, as the
    Japanese ones say 無料 once; a note that adds something is still shown in brackets."""
    name = "あなたのいばしょチャット相談"
    service = demo.scalars(select(Service).where(Service.name == name)).one()
    for url in ("/en/", f"/en/directory/services/{service.id}"):
        text = page_text(client.get(url).get_data(as_text=True))
        assert "Free (Free)" not in text, url
        assert "Free" in text, url
    assert "Free (Free call)" in page_text(client.get("/en/").get_data(as_text=True))


def page_text(html: str) -> str:
    return re.sub(r"<[^>]*>", "", html)


def test_a_contact_note_in_japanese_says_so_on_english_pages(
    client: FlaskClient, demo: Session
) -> None:
    channel = demo.scalars(select(ContactChannel).where(ContactChannel.label != "")).first()
    assert channel is not None

    html = client.get(f"/en/directory/services/{channel.service_id}").get_data(as_text=True)

    note = f'<span lang="ja" class="fallback">{escape(channel.label)}</span>'
    assert note + ' <span class="fallback-note">(in Japanese)</span>' in html


def test_a_national_line_serves_all_of_japan_in_english(client: FlaskClient, demo: Session) -> None:
    national = demo.scalars(
        select(Service).where(Service.area == "national", Service.status == "published")
    ).first()
    assert national is not None and national.service_areas

    english = client.get(f"/en/directory/services/{national.id}").get_data(as_text=True)
    japanese = client.get(f"/directory/services/{national.id}").get_data(as_text=True)

    assert "<dd>All of Japan</dd>" in english
    assert national.service_areas[0].name in japanese
