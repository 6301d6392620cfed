"""Japanese headings and buttons break between phrases (BudouX), never inside a word."""

from __future__ import annotations

from flask import Flask, render_template_string
from markupsafe import Markup

from core.phrases import _phrased, phrases, split_phrases


def test_a_known_sentence_splits_between_its_phrases() -> None:
    assert split_phrases("ひとりで抱えこまず、話してみませんか") == (
        "ひとりで",
        "抱えこまず、",
        "話してみませんか",
    )
    assert str(phrases("ひとりで抱えこまず、話してみませんか")) == (
        '<span class="phrases">ひとりで<wbr>抱えこまず、<wbr>話してみませんか</span>'
    )


def test_never_inside_a_word() -> None:
    html = str(phrases("話してみませんか"))

    assert "話してみ<wbr>" not in html and "<wbr>ませんか" not in html


def test_markup_in_the_text_stays_text() -> None:
    html = str(phrases('<script>alert("x")</script>相談窓口の案内です'))

    assert "<script>" not in html
    assert "&lt;script&gt;" in html and "&#34;x&#34;" in html
    assert html.startswith('<span class="phrases">')


def test_a_translation_is_read_as_text_and_markup_with_tags_is_left_alone() -> None:
    assert str(phrases(Markup("支援機関の一覧を見る &amp; さがす"))).count("&amp;") == 1
    tagged = Markup("<b>相談窓口の案内</b>")
    assert phrases(tagged) == tagged


def test_english_and_empty_text_are_left_as_they_are() -> None:
    assert str(phrases("Talk to someone now")) == "Talk to someone now"
    assert str(phrases("")) == ""
    assert str(phrases(None)) == ""


def test_the_filter_is_registered_for_both_apps(public_app: Flask, backoffice_app: Flask) -> None:
    for app in (public_app, backoffice_app):
        with app.test_request_context():
            html = render_template_string("{{ n | phrases }}", n="<b>身近な人が心配なとき</b>")
        assert "<wbr>" in html and "&lt;b&gt;" in html


def test_each_string_is_split_once() -> None:
    split_phrases.cache_clear()
    _phrased.cache_clear()
    first = phrases("大切な人を自死で亡くされた方へ")
    second = phrases(Markup("大切な人を自死で亡くされた方へ"))

    assert first == second and "<wbr>" in first
    assert split_phrases.cache_info().misses == 1
