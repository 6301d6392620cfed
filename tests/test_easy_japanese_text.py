"""The やさしい日本語 texts read as the guideline asks and fit the pages they go into.

「在留支援のためのやさしい日本語ガイドライン」(出入国在留管理庁・文化庁, 2020): short sentences,
no honorifics, phrases spaced. These checks catch what slips back in when a text is edited:
keigo, a full-width or double space, a lost placeholder, a phone number copied into a summary.
"""

from __future__ import annotations

import re
import tomllib

from babel.messages.pofile import read_po

from core.config import PROJECT_ROOT, packaged
from directory.facts import read_rows, stable_id

EASY = packaged("translations", "ja@easy", "LC_MESSAGES", "messages.po")
SUMMARIES = PROJECT_ROOT / "directory" / "data" / "services_easy.toml"
PLACEHOLDER = re.compile(r"%(?:\([a-z_]+\))?[sd]|%%")
# Honorific and humble forms the standard pages use and the easy ones say plainly.
KEIGO = re.compile(
    r"ご覧|ご確認|ご利用|ご案内|いただ|うかが|くださって|申し訳|お住まい|お問い合わせ|方へ"
)
PHONE = re.compile(r"\d{2,4}-\d{2,4}-\d{3,4}|#\d{4}")


def easy_messages() -> dict[str, str]:
    with EASY.open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id and m.string}


def summaries() -> dict[str, str]:
    with SUMMARIES.open("rb") as handle:
        return {
            key: value["summary_easy"] for key, value in tomllib.load(handle)["services"].items()
        }


def test_easy_texts_keep_every_placeholder() -> None:
    changed = [
        (source, text)
        for source, text in easy_messages().items()
        if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text))
    ]
    assert changed == []


def test_easy_texts_use_no_keigo() -> None:
    texts = [*easy_messages().values(), *summaries().values()]
    assert [text for text in texts if KEIGO.search(text)] == []


def test_easy_texts_space_phrases_with_single_half_width_spaces() -> None:
    texts = [*easy_messages().values(), *summaries().values()]
    assert [
        text for text in texts if "\u3000" in text or "  " in text or text != text.strip()
    ] == []
    # A sentence of more than one phrase is spaced (分かち書き).
    long_unspaced = [text for text in texts if len(text) > 12 and " " not in text]
    assert long_unspaced == []


def test_every_demo_service_has_an_easy_summary_and_nothing_else_does() -> None:
    ids = {stable_id("service", row["name"]) for row in read_rows()}
    assert set(summaries()) == ids


def test_easy_summaries_are_one_to_three_sentences_without_numbers_or_markup() -> None:
    for text in summaries().values():
        assert 1 <= text.count("。") <= 3, text
        assert text.endswith("。"), text
        assert not PHONE.search(text), text  # the contact list beside it has the numbers
        assert not re.search(r"[<>&]", text), text
