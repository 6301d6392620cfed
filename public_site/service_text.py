"""What a page shows for a directory field, in the page's language.

Staff write the directory in Japanese; beside a field they may write it in another language
(``name_en``, ``audience_en``, ``summary_en``, ``hours_note_en``, ``cost_note_en``) or in easy
Japanese (``summary_easy``): a field named ``<field>_<language code>``.

- Japanese pages show the field;
- pages in a form of Japanese (easy) show their own field when staff wrote one, else the
  Japanese with furigana;
- pages in another language show their own field when staff wrote one, else the Japanese
  marked as such: ``<span lang="ja" class="fallback">…</span>`` and a note 「（日本語）」 in the
  page's language, so a reader knows why it is not in theirs and a screen reader reads it
  with a Japanese voice. A fallback is never given readings: it is the standard text.

Fields are read with ``getattr`` and a default, so any object with the Japanese field works
(a service, a search result's summary, an organisation).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import gettext
from markupsafe import Markup

from core.furigana import plain_text
from core.i18n import DEFAULT_LANGUAGE
from public_site.localization import furigana, page_language

# A service's "summary": its description in Japanese, a one-line summary in the others.
JAPANESE_FIELD = {"summary": "description"}
FALLBACK = Markup(
    '<span lang="ja" class="fallback">{}</span> <span class="fallback-note">{}</span>'
)


def service_text(item: Any, field: str) -> Any:
    """``item``'s ``field`` as the page's language shows it (see the module's docstring)."""
    here = page_language()
    japanese = getattr(item, JAPANESE_FIELD.get(field, field), "") or ""
    own = getattr(item, f"{field}_{here.code}", "") if here.code != DEFAULT_LANGUAGE else ""
    if own:
        return furigana(own)
    if here.japanese or not japanese:
        return furigana(japanese)
    return in_japanese(japanese)


def own_text(item: Any, field: str) -> Any:
    """Only what staff wrote for the page's language (``summary_en`` on English pages), with
    furigana where the page has them; "" on Japanese pages and where they wrote nothing."""
    code = page_language().code
    own = getattr(item, f"{field}_{code}", "") if code != DEFAULT_LANGUAGE else ""
    return furigana(own) if own else ""


def operator_name(profile: Any) -> Any:
    """The municipality and its section, as the footer and contact lines name them."""
    english = f"{profile.name_en}, {profile.section_en}" if profile.section_en else ""
    return in_language(f"{profile.name} {profile.section}", english if profile.name_en else "")


def in_language(japanese: Any, other: Any = None) -> Any:
    """A value stored with its translation beside it (a topic's ``name_en``, the profile's
    ``name_en``): the translation on pages not in Japanese, else the Japanese (with furigana
    where the page has them; marked as Japanese on a page in another language)."""
    here = page_language()
    if here.japanese or not japanese:
        return furigana(japanese)
    return other or in_japanese(japanese)


def in_japanese(japanese: str) -> Markup:
    """Japanese shown on a page in another language, marked as such."""
    # Translators: after a directory text shown in Japanese on an English page.
    return FALLBACK.format(japanese, gettext("（日本語）"))


def in_brackets(value: Any) -> Markup:
    """A note in brackets: full-width on Japanese pages, ``(…)`` with a space before it on
    others."""
    if page_language().japanese:
        return Markup("（{}）").format(value)
    return Markup(" ({})").format(value)


def init_service_text(app: Flask) -> None:
    app.add_template_global(service_text)
    app.add_template_global(in_japanese)
    app.add_template_global(in_language)
    app.add_template_global(own_text)
    app.add_template_global(operator_name)
    app.add_template_filter(plain_text)
    app.add_template_global(in_brackets)
