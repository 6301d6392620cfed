"""Templates and translations: nothing the CSP would block, nothing left untranslated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from core.config import PROJECT_ROOT, packaged

TEMPLATES = sorted(
    path
    for package in ("core", "public_site", "backoffice", "directory", "cards")
    for path in (PROJECT_ROOT / package).rglob("templates/**/*.html")
)
# Every catalogue shipped (en, ja@easy, and any added): each must be complete for residents.
CATALOGUES = sorted(packaged("translations").glob("*/LC_MESSAGES/messages.po"))
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style[\s>]|\sstyle=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
# Resources a page would load by itself (links that a person follows are allowed).
FOREIGN = re.compile(
    r"<(?:script|link|img|iframe|source|video|audio)\b[^>]*\b(?:src|href)=\"(?:https?:)?//",
    re.IGNORECASE,
)


def test_there_are_templates_to_check() -> None:
    assert len(TEMPLATES) >= 10


def test_no_template_has_inline_script_style_or_handlers() -> None:
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, INLINE_STYLE, EVENT_HANDLER):
            assert not pattern.search(text), (path.name, pattern.pattern)


def test_no_template_hard_codes_another_host() -> None:
    for path in TEMPLATES:
        assert not FOREIGN.search(path.read_text(encoding="utf-8")), path.name


def test_every_language_ships_a_catalogue() -> None:
    assert {path.parts[-3] for path in CATALOGUES} >= {"en", "ja@easy"}


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.parts[-3])
def test_no_translation_is_a_fuzzy_guess(path: Path) -> None:
    with path.open("rb") as handle:
        catalog = read_po(handle)

    assert [m.id for m in catalog if m.id and m.fuzzy] == []


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.parts[-3])
def test_catalog_translates_every_message_residents_see(path: Path) -> None:
    # The back office is Japanese only (its users are municipal and NPO staff); everything a
    # resident can see is translated.
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    used = {
        message[2]
        for package in ("core", "public_site", "directory", "cards")
        for message in extract_from_dir(
            PROJECT_ROOT / package, method_map=method_map, keywords=keywords
        )
    }
    with path.open("rb") as handle:
        translated = {m.id: m.string for m in read_po(handle) if m.id}

    assert used, "no messages were extracted"
    assert sorted(message for message in used if not translated.get(message)) == []
