"""Furigana: each kanji word of a text in ``<ruby>`` with its reading, for easy-Japanese pages.

``ruby("相談する")`` gives ``<ruby>相談<rp>(</rp><rt>そうだん</rt><rp>)</rp></ruby>する``: the
``<rp>`` brackets show only where ruby is not supported (and in copied text). The text is
escaped first, so markup in a service's name stays text; a Markup value keeps its tags, and
only the text between them is annotated. Readings come from `core.readings` (reviewed, then
rules and overrides, then each unit's): ``known`` gives the units' readings (the public site
passes the stored ones, `core.readings_store`, and so never loads pykakasi); without it they
are computed. Each text is annotated once per process, or once per ``known`` (a page cache miss
renders the same headings and labels again).
"""

from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import Markup, escape

from core.readings import KANJI_RUN, Lookup, readings
from core.readings_store import StoredReadings

TAG = re.compile(r"(<[^>]*>)")
RUBY = Markup("<ruby>{}<rp>(</rp><rt>{}</rt><rp>)</rp></ruby>")


def ruby(text: object, known: StoredReadings | None = None) -> Markup:
    """``text`` as HTML with a reading over every kanji word; ``known``: the units' readings."""
    if isinstance(text, Markup):
        if "<ruby" in text:
            return text  # annotated already
        if "<" not in text:
            return _cached(text.unescape(), known)
        parts = TAG.split(text)  # tags at odd positions, text between them
        return Markup("").join(
            Markup(part) if i % 2 else _cached(Markup(part).unescape(), known)  # noqa: S704
            for i, part in enumerate(parts)
        )
    return _cached("" if text is None else str(text), known)


def _cached(text: str, known: StoredReadings | None) -> Markup:
    if known is None:
        return _computed(text)
    found = known.annotated.get(text)
    return found if found is not None else known.keep(text, _annotated(text, known))


@lru_cache(maxsize=8192)
def _computed(text: str) -> Markup:
    return _annotated(text, None)


def _annotated(text: str, lookup: Lookup | None) -> Markup:
    if not KANJI_RUN.search(text):
        return escape(text)
    out, position = [], 0
    for word, reading in readings(text, lookup):
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
