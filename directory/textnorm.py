"""Text normalisation for directory search: one matching key however a resident spells a word.

People type on phones in whatever their keyboard gives: full- or half-width, katakana or
hiragana, with or without long-vowel marks and small kana, with stray spaces and symbols. Both
the stored text and the query go through `normalize`, so ﾋｷｺﾓﾘ, ヒキコモリ and ひきこもり become
the same key. `reading` adds the hiragana reading of kanji (借金 → しゃっきん) at index time, so a
query typed in kana finds a name written in kanji without converting every query.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

# Small kana are often typed as full-size kana (or the other way round): fold to full size.
_SMALL_TO_FULL: dict[int, int] = str.maketrans(
    "ぁぃぅぇぉっゃゅょゎゕゖ", "あいうえおつやゆよわかけ"
)
# Katakana ァ..ヶ sit exactly 0x60 above hiragana ぁ..ゖ; ー is dropped.
_FOLD: dict[int, int | None] = {
    **_SMALL_TO_FULL,
    **{code: _SMALL_TO_FULL.get(code - 0x60, code - 0x60) for code in range(0x30A1, 0x30F7)},
    0x30FC: None,
}
# Letters and digits carry meaning; punctuation, symbols, spaces and lone marks do not.
_NOT_WORD = re.compile(r"[\W_]+")
# A run of kanji with the kana that may end the word (悩み, 引き): what pykakasi needs to read it.
_KANJI_WORD = re.compile(r"([\u3005\u3006\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+[ぁ-ゖ]{0,2})")
# Kana or kanji: a name with these has a reading to suggest.
_JAPANESE = re.compile(r"[\u3041-\u30ff\u3005\u3006\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# A key of one or two kana (after `normalize`): see `is_short_kana`.
_SHORT_KANA = re.compile(r"[\u3041-\u3096]{1,2}")
_CONTROL_CATEGORIES = ("Cc", "Cf", "Cs", "Co", "Cn")
_LINE_BREAKS = frozenset("\t\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")

_kakasi: Any = None


def strip_controls(text: str) -> str:
    """Remove control and invisible format characters; tabs and line breaks become spaces."""
    kept = []
    for char in text:
        if char in _LINE_BREAKS:
            kept.append(" ")
        elif unicodedata.category(char) not in _CONTROL_CATEGORIES:
            kept.append(char)
    return "".join(kept)


def normalize(text: str) -> str:
    """The matching key of a text: NFKC, casefolded, hiragana, no ー, no spaces or symbols."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).casefold().translate(_FOLD))


def is_short_kana(key: str) -> bool:
    """Whether a matching key is one or two kana: too short to be found by its characters.

    Two kana are inside countless longer words and readings (うつ is inside きようつう, the
    reading of 共通), so such a word is matched as a whole word only: a term of a vocabulary
    group, or a whole topic name; as a group's term it leads queries to the group but marks no
    service by itself (`directory.search.synonyms`). Kanji (鬱, 借金) and letters (DV) are not
    short kana: they are found where they are written.
    """
    return _SHORT_KANA.fullmatch(key) is not None


def words(text: str) -> list[str]:
    """A query split on spaces (full-width ones too), each word's matching key, empties dropped."""
    spaced = unicodedata.normalize("NFKC", strip_controls(text))
    return [key for key in (normalize(part) for part in spaced.split()) if key]


def reading(text: str) -> str:
    """The hiragana reading of a text, as a matching key (借金相談 → しやつきんそうだん).

    Kanji get pykakasi's most likely reading, which is right for the common words people search
    for; the written form is indexed beside it, so a wrong reading only costs a kana match.
    Only the kanji words go through pykakasi, one by one and cached: they repeat across a
    directory far more than whole sentences do.
    """
    parts = _KANJI_WORD.split(unicodedata.normalize("NFKC", text))
    # split() with a group alternates: text between kanji words, a kanji word, text, ...
    return "".join(
        _kanji_reading(part) if i % 2 else normalize(part) for i, part in enumerate(parts)
    )


@lru_cache(maxsize=50_000)
def _kanji_reading(word: str) -> str:
    return normalize("".join(item["hira"] for item in _converter().convert(word)))


def suggested_reading(name: str) -> str:
    """A likely hiragana reading of a name, as written (京丹後市 → きょうたんごし), for staff to
    check: pykakasi's guess, which can be wrong for place and personal names. Letters, digits
    and punctuation stay as they are; "" when the name has no Japanese."""
    text = unicodedata.normalize("NFKC", strip_controls(name)).strip()
    if not _JAPANESE.search(text):
        return ""
    return "".join(item["hira"] for item in _converter().convert(text))


def _converter() -> Any:
    global _kakasi
    if _kakasi is None:
        import pykakasi  # loads its dictionaries: about half a second, paid once per process

        _kakasi = pykakasi.kakasi()
    return _kakasi


def bigrams(key: str) -> list[str]:
    """The overlapping two-character pieces of a key, in order (しやつきん → しや, やつ, ...)."""
    return [key[i : i + 2] for i in range(len(key) - 1)]
