"""Furigana: each kanji word of a text in ``<ruby>`` with its reading, for easy-Japanese pages.

``ruby("相談する")`` gives ``<ruby>相談<rp>(</rp><rt>そうだん</rt><rp>)</rp></ruby>する``: the
``<rp>`` brackets show only where ruby is not supported (and in copied text). The text is
escaped first, so markup in a service's name stays text; a Markup value keeps its tags, and
only the text between them is annotated. Readings come from `core.readings` (reviewed, then
overrides, then pykakasi); each text is annotated once per process (a page cache miss renders
the same headings and labels again).
"""

from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import Markup, escape

from core.readings import KANJI_RUN, readings

TAG = re.compile(r"(<[^>]*>)")
RUBY = Markup("<ruby>{}<rp>(</rp><rt>{}</rt><rp>)</rp></ruby>")


def ruby(text: object) -> Markup:
    """``text`` as HTML with a reading over every kanji word."""
    if isinstance(text, Markup):
        if "<ruby" in text:
            return text  # annotated already
        if "<" not in text:
            return _annotated(text.unescape())
        parts = TAG.split(text)  # tags at odd positions, text between them
        return Markup("").join(
            Markup(part) if i % 2 else _annotated(Markup(part).unescape())  # noqa: S704
            for i, part in enumerate(parts)
        )
    return _annotated("" if text is None else str(text))


@lru_cache(maxsize=8192)
def _annotated(text: str) -> Markup:
    if not KANJI_RUN.search(text):
        return escape(text)
    out, position = [], 0
    for word, reading in readings(text):
        start = text.find(word, position)
        if start < 0 or not reading or reading == word:
            continue
        out += [escape(text[position:start]), RUBY.format(word, reading)]
        position = start + len(word)
    out.append(escape(text[position:]))
    return Markup("").join(out)


def plain_text(html: object) -> str:
    """The text a reader sees without the readings: ``<rt>`` and ``<rp>`` removed, tags
    dropped (for a page's ``<title>``, which cannot hold markup, and for comparing)."""
    if not isinstance(html, Markup):
        return "" if html is None else str(html)
    without = re.sub(r"<(rt|rp)>.*?</\1>", "", html, flags=re.DOTALL)
    return Markup(TAG.sub("", without)).unescape()  # noqa: S704
