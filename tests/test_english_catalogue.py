"""The English catalogue reads as English: half-width punctuation, and helplines, not windows."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

import core

CATALOGUE = Path(core.__file__).parent / "translations" / "en" / "LC_MESSAGES" / "messages.po"
FULL_WIDTH = re.compile(r"[（）、。：「」]")


def english_messages() -> list[tuple[str, str]]:
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    found = []
    for message in catalogue:
        strings = message.string if isinstance(message.string, tuple | list) else [message.string]
        found += [(str(message.id), text) for text in strings if message.id and text]
    return found


def test_the_catalogue_has_english_messages() -> None:
    assert len(english_messages()) > 200


def test_no_english_message_has_full_width_punctuation_or_brackets() -> None:
    wrong = [
        f"{source} => {text}" for source, text in english_messages() if FULL_WIDTH.search(text)
    ]

    assert not wrong, "\n".join(wrong)


def test_counselling_lines_are_helplines_not_windows() -> None:
    wrong = [
        f"{source} => {text}"
        for source, text in english_messages()
        if re.search(r"\bwindows?\b", text, re.IGNORECASE)
    ]

    assert not wrong, "\n".join(wrong)
