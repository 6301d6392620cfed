"""Japanese that breaks between phrases, never inside a word ("話してみ／ませんか").

BudouX (Google's phrase segmenter, a small model shipped with the package) splits the text into
phrases; the `phrases` filter puts a ``<wbr>`` between them inside ``<span class="phrases">``,
whose stylesheet rule (``word-break: keep-all``) allows a line break only there, and still
anywhere (``overflow-wrap: anywhere``) when a phrase alone is wider than the screen. English
text is left as it is: it already breaks between words.

The text is escaped before the breaks go in, so markup in a service's name stays text; a
translation (trusted markup without tags, as Jinja's ``_`` gives it) is read as text first.
Text with furigana (`core.furigana`, on easy-Japanese pages) is split by its written text, the
readings left out, and a break never goes inside a ``<ruby>`` word.
"""

from __future__ import annotations

import re
from functools import lru_cache

import budoux
from markupsafe import Markup, escape

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
WBR = Markup("<wbr>")
# One unit of annotated text: a whole <ruby> word, another tag, a character reference, a character.
UNIT = re.compile(r"<ruby>.*?</ruby>|<[^>]*>|&#?\w+;|.", re.DOTALL)


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
        if "<ruby>" in value:
            return _phrased_ruby(str(value))
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


@lru_cache(maxsize=4096)
def _phrased_ruby(html: str) -> Markup:
    """Breaks between the phrases of the written text, each before the unit that starts one."""
    units = UNIT.findall(html)
    written = [_written(unit) for unit in units]
    parts = split_phrases("".join(written))
    if len(parts) < 2:
        return Markup(html)  # noqa: S704 - annotated by core.furigana, escaped there
    starts, offset = set(), 0
    for part in parts[:-1]:
        offset += len(part)
        starts.add(offset)
    out, offset = [], 0
    for unit, text in zip(units, written, strict=True):
        if offset in starts and text:
            out.append(str(WBR))
            starts.discard(offset)
        out.append(unit)
        offset += len(text)
    return Markup('<span class="phrases">{}</span>').format(Markup("".join(out)))  # noqa: S704


def _written(unit: str) -> str:
    """The text a unit shows, without its reading."""
    if unit.startswith("<ruby>"):
        return unit[len("<ruby>") : unit.find("<rp>")] if "<rp>" in unit else ""
    if unit.startswith("<"):
        return ""
    return Markup(unit).unescape()  # noqa: S704
