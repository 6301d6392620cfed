"""Furigana on the /easy/ pages: every kanji of the page's main text has its reading, the
readings of the catalogue are reviewed and in step with it, phrases never split a ruby word."""

from __future__ import annotations

from html.parser import HTMLParser

from flask import Flask
from flask.testing import FlaskClient
from markupsafe import Markup
from sqlalchemy.orm import Session

from core.furigana import plain_text, ruby
from core.phrases import phrases
from core.readings import KANJI_RUN, REVIEWED, align, computed
from core.readings_cli import catalogue_texts, stale_texts
from tests.test_public_text import public_urls

# Elements whose text is not read with furigana: the readings themselves, and what is marked
# translate="no" (a proper name shown as written) or lang other than Japanese.
SKIPPED = {"ruby", "script", "style", "svg", "title"}


class BareKanji(HTMLParser):
    """Kanji in <main> that no <ruby> holds."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.found: list[str] = []
        self.in_main = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "wbr", "img", "input", "meta", "link", "hr", "source"):
            return
        found = dict(attrs)
        if tag == "main":
            self.in_main = True
        skip = tag in SKIPPED or found.get("translate") == "no"
        skip = skip or (found.get("lang") not in (None, "ja"))
        self.stack.append((tag, skip))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            name, _ = self.stack.pop()
            if name == tag:
                break
        if tag == "main":
            self.in_main = False

    def handle_data(self, data: str) -> None:
        if self.in_main and not any(skip for _, skip in self.stack):
            self.found += KANJI_RUN.findall(data)


def bare_kanji(html: str) -> list[str]:
    parser = BareKanji()
    parser.feed(html)
    return parser.found


def test_ruby_wraps_each_kanji_word_with_its_reading() -> None:
    html = ruby("京丹後市の相談窓口に電話する")

    assert html.count("<ruby>") == 3  # 京丹後市, 相談窓口 (one word), 電話
    assert "<ruby>京丹後市<rp>(</rp><rt>きょうたんごし</rt><rp>)</rp></ruby>" in html
    assert plain_text(html) == "京丹後市の相談窓口に電話する"


def test_ruby_escapes_text_and_keeps_markup() -> None:
    assert ruby("<b>相談</b>").startswith("&lt;b&gt;<ruby>相談")
    kept = ruby(Markup('<a href="/x">相談</a>'))
    assert kept.startswith('<a href="/x"><ruby>相談') and kept.endswith("</ruby></a>")
    assert ruby("ひらがな only") == "ひらがな only"


def test_overrides_read_the_towns_and_whole_words_only() -> None:
    assert dict(computed("弥栄町と網野町")) == {"弥栄町": "やさかちょう", "網野町": "あみのちょう"}
    assert dict(computed("大切な人"))["人"] == "ひと"
    assert ("人口", "じんこう") in computed("人口")  # 人 alone is ひと; inside a word it is not
    assert computed("10時から3日まで") == (("時", "じ"), ("日", "みっか"))


def test_days_of_the_week_written_as_one_kanji_are_read_as_days() -> None:
    assert computed("月・木・金は24時間；火・水・土・日は6:00–翌0:00")[:3] == (
        ("月", "げつ"),
        ("木", "もく"),
        ("金", "きん"),
    )
    assert ("金", "きん") in computed("月–金18:30–22:30")
    assert computed("12月8日(火) 6:00から") == (("月", "がつ"), ("日", "ようか"), ("火", "か"))
    assert computed("（土・日・祝日を除く）")[:2] == (("土", "ど"), ("日", "にち"))
    # Alone, they keep their other readings.
    assert computed("お金がかかります") == (("金", "かね"),)
    assert computed("毎月10日は") == (("毎月", "まいつき"), ("日", "とおか"))


def test_the_directory_s_words_pykakasi_misreads_have_overrides() -> None:
    assert ("困窮者", "こんきゅうしゃ") in computed("生活困窮者自立支援制度")
    assert ("受給者", "じゅきゅうしゃ") in computed("生活保護受給者以外")
    assert ("福祉士", "ふくしし") in computed("日本精神保健福祉士協会")
    assert computed("日本精神保健福祉士協会")[0] == ("日本", "にほん")
    assert computed("京都府民") == (("京都府民", "きょうとふみん"),)


def test_readings_split_over_the_kana_between_kanji() -> None:
    assert align("問い合わせ", "といあわせ") == [("問", "と"), ("合", "あ")]
    assert align("聞い", "きい") == [("聞", "き")]


def test_phrases_never_break_inside_a_ruby_word() -> None:
    phrased = phrases(ruby("大切な人を自死で亡くされた方へ"))

    assert "<wbr>" in phrased
    for piece in str(phrased).split("<wbr>"):
        assert piece.count("<ruby>") == piece.count("</ruby>")
    assert plain_text(phrased) == "大切な人を自死で亡くされた方へ"


def test_every_kanji_on_the_easy_pages_has_its_reading(
    client: FlaskClient, public_app: Flask, demo: Session
) -> None:
    urls = [u for u in public_urls(public_app, demo) if u.startswith("/easy/")]
    urls = [u for u in urls if not u.endswith("/x")] + ["/easy/no-such-page"]
    checked = 0
    for url in urls:
        response = client.get(url)
        if response.mimetype != "text/html":
            continue
        assert bare_kanji(response.get_data(as_text=True)) == [], url
        checked += 1
    assert checked > 40


def test_the_reviewed_readings_are_in_step_with_the_easy_catalogue() -> None:
    missing, gone = stale_texts(catalogue_texts())

    # Run `flask --app wsgi tsunagu readings`, then review the lines it marks "# check".
    assert missing == [], "texts without reviewed readings"
    assert gone == [], "readings of texts the catalogue no longer has"


def test_every_reviewed_reading_was_checked_by_a_person() -> None:
    lines = REVIEWED.read_text("utf-8").splitlines()
    unchecked = [line for line in lines if line.endswith("  # check")]

    assert unchecked == []


def test_each_reviewed_text_has_a_reading_for_every_kanji() -> None:
    from core.readings import reviewed

    for text, pairs in reviewed().items():
        covered = "".join(word for word, _ in pairs)
        assert "".join(KANJI_RUN.findall(text)) == "".join(KANJI_RUN.findall(covered)), text
        assert all(reading for _, reading in pairs), text
