"""Japanese that breaks between phrases, never inside a word ("話してみ／ませんか").

BudouX (Google's phrase segmenter, a small model shipped with the package) splits the text into
phrases; the `phrases` filter puts a ``<wbr>`` between them inside ``<span class="phrases">``,
whose stylesheet rule (``word-break: keep-all``) allows a line break only there, and still
anywhere (``overflow-wrap: anywhere``) when a phrase alone is wider than the screen. English
text is left as it is: it already breaks between words.

The text is escaped before the breaks go in, so markup in a service's name stays text; a
translation (trusted markup without tags, as Jinja's ``_`` gives it) is read as text first.
"""

from __future__ import annotations

import re
from functools import lru_cache

import budoux
from markupsafe import Markup, escape

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
WBR = Markup("<wbr>")


@lru_cache(maxsize=1)
def _parser() -> budoux.Parser:
    return budoux.load_default_japanese_parser()  # reads its model once per process


@lru_cache(maxsize=4096)
def split_phrases(text: str) -> tuple[str, ...]:
    """The phrases of ``text`` (one element when it has no Japanese)."""
    if not JAPANESE.search(text):
        return (text,)
    return tuple(_parser().parse(text))


def phrases(value: object) -> Markup:
    """``value`` as HTML whose lines break only between phrases."""
    if isinstance(value, Markup):
        if "<" in value:
            return value  # already markup with tags: a break inside a tag would break the page
        return _phrased(value.unescape())
    return _phrased("" if value is None else str(value))


@lru_cache(maxsize=4096)
def _phrased(text: str) -> Markup:
    """Kept per text: a page's headings and buttons are the same on every request."""
    parts = split_phrases(text)
    if len(parts) < 2:
        return escape(text)
    return Markup('<span class="phrases">{}</span>').format(
        WBR.join(escape(part) for part in parts)
    )
