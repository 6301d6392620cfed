"""Internationalisation: Japanese is the source language; やさしい日本語 and English translate it.

Each language of the public site is a `Language`: its code (also its URL prefix: none for
Japanese, ``/easy``, ``/en``), the Babel locale whose catalogue translates the templates
(``core/translations/<locale>/LC_MESSAGES/messages.po``), what ``<html lang>`` and ``hreflang``
say, its name in the language switch, whether its pages carry furigana, and the suffix of the
directory's per-language fields (``name_en``; easy Japanese has only ``summary_easy``).

Adding a language: a catalogue (``pybabel init -l <locale>``, then translate it), an entry in
``LANGUAGE_INFO`` and its code in ``LANGUAGES``; optionally, directory fields named
``<field>_<code>``, which `public_site.service_text` then shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask
from flask_babel import Babel

from core.config import packaged


@dataclass(frozen=True)
class Language:
    code: str  # internal, and the URL prefix of every page but the default language's
    locale: str  # Babel's: the catalogue's directory name
    html_lang: str  # BCP 47 tag of the text (easy Japanese is Japanese)
    hreflang: str  # the alternate link's tag, unique per language
    name: str  # in the language itself, for the switch
    furigana: bool = False  # readings over kanji (core.furigana)
    japanese: bool = True  # the directory's Japanese text is the page's own language


LANGUAGE_INFO = {
    "ja": Language("ja", "ja", "ja", "ja", "日本語"),
    # "x-easy": a private-use subtag; search engines and Lighthouse accept it as a region-less
    # variant, and it keeps the easy pages apart from the standard ones.
    "easy": Language("easy", "ja@easy", "ja", "ja-x-easy", "やさしい日本語", furigana=True),
    "en": Language("en", "en", "en", "en", "English", japanese=False),
}
LANGUAGES = ("ja", "easy", "en")
DEFAULT_LANGUAGE = "ja"
TIMEZONE = "Asia/Tokyo"


def languages() -> tuple[Language, ...]:
    """The languages, in the order of the switch (read when called, so a test may add one)."""
    return tuple(LANGUAGE_INFO[code] for code in LANGUAGES)


def language(code: str) -> Language:
    return LANGUAGE_INFO.get(code) or LANGUAGE_INFO[DEFAULT_LANGUAGE]


def babel_locale(code: str) -> str:
    """The Babel locale of a language code; any other value (a locale already) as it is."""
    found = LANGUAGE_INFO.get(code)
    return found.locale if found else code


def init_i18n(app: Flask, locale_selector: Callable[[], str]) -> None:
    """Flask-Babel with ``locale_selector`` returning a language code (or a locale)."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", TIMEZONE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(packaged("translations")))
    Babel(app, locale_selector=lambda: babel_locale(locale_selector()))
