"""Readings of kanji words: reviewed ones first, then rules and overrides, then pykakasi's.

Furigana (`core.furigana`) need the reading of each kanji word in a text. Three sources, in
this order:

- **reviewed readings** (``core/data/readings-easy.toml``): every text of the easy-Japanese
  catalogue with its words' readings, computed by ``tsunagu readings`` from the two sources
  below and then checked by a person; a test fails when the file and the catalogue differ, so
  the catalogue's furigana are never a guess made at request time;
- **overrides** (``core/data/readings.toml``): names pykakasi cannot know (京丹後, 弥栄町) and
  words it reads wrongly, used wherever they appear, in the directory's texts too;
- **pykakasi** (already used for search, `directory.textnorm`): its most likely reading, for
  the directory's own texts (service names, notes) that no person has read over. It reads them
  when they change, in the process that changes them, and the readings are stored
  (`core.readings_store`); the public site looks them up and never loads pykakasi (over
  100 MB, about a second, per process).

Before any of these, rules read what is the same everywhere: days of the week (月・木・金) and
counters after a number (10時 じ, 8日 ようか, 2人 ふたり). What is left of a text after the rules
and the overrides is cut into units (runs of kana and kanji, `pieces`); pykakasi reads each unit
as a whole, and a unit is what is stored and looked up.

A reading is a pair (the kanji word as written, its hiragana). Kana around the kanji
(送り仮名) stay outside the pair: 聞いて → (聞, き).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from core.config import packaged

# Kanji, with 々 (repeat), 〆 and ヶ (as in 一ヶ月), which are read as part of the word.
KANJI = "\u3005\u3006\u30f6\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
KANJI_RUN = re.compile(f"[{KANJI}]+")
OVERRIDES = packaged("data", "readings.toml")
REVIEWED = packaged("data", "readings-easy.toml")
# Counters read another way after a number than alone (10時 is じゅうじ, not じゅうとき).
COUNTERS = {"時": "じ", "年": "ねん", "月": "がつ", "円": "えん", "歳": "さい", "回": "かい",
            "件": "けん", "人": "にん", "階": "かい", "番": "ばん", "号": "ごう",
            "割": "わり", "対": "たい"}  # fmt: skip
DAYS = {"1": "ついたち", "2": "ふつか", "3": "みっか", "4": "よっか", "5": "いつか",
        "6": "むいか", "7": "なのか", "8": "ようか", "9": "ここのか", "10": "とおか",
        "14": "じゅうよっか", "20": "はつか", "24": "にじゅうよっか"}  # fmt: skip
PUN = "13468"  # 1分 いっぷん, 3分 さんぷん ... the others ふん
# A day of the week written as one kanji (月–金, 火・水・土・日, 8日(火)) is read as a day name;
# alone, pykakasi reads 金 as かね (the override for お金), 火 as ひ, 土 as つち.
WEEKDAYS = {"月": "げつ", "火": "か", "水": "すい", "木": "もく", "金": "きん", "土": "ど",
            "日": "にち"}  # fmt: skip
_DAY = f"(?<![{KANJI}0-9０-９])[{''.join(WEEKDAYS)}](?![{KANJI}])"
# Two or more days joined by ・ – 〜 - or 、 ("月・木・金", "月–金"), or one day in brackets.
WEEKDAY_RUN = re.compile(f"{_DAY}(?:[・–〜～\\-、]{_DAY})+|(?<=[(（]){_DAY}(?=[)）])")
# A counter after a number (10時, 3日, 2人, 14日以内), not the first kanji of another word
# (24時間 じかん, 3日間 にちかん, 2号館 ごうかん).
COUNTED = re.compile(f"([0-9０-９]+)([{''.join(COUNTERS)}日分])(?:(?![{KANJI}])|(?=[以前後頃]))")
# A unit: a run of kana and kanji between what rules read. pykakasi reads each unit as a whole,
# when the directory changes (`core.readings_store`); the public site looks units up.
UNIT = re.compile(f"[{KANJI}\u3041-\u309f\u30a0-\u30ff]+")
Pair = tuple[str, str]
Piece = Pair | str  # read by a rule, or a unit whose readings are computed or looked up
Lookup = Callable[[str], tuple[Pair, ...] | None]

_kakasi: Any = None


@lru_cache(maxsize=1)
def _override_tables() -> dict[str, dict[str, str]]:
    with OVERRIDES.open("rb") as handle:
        return tomllib.load(handle)


def overrides() -> dict[str, str]:
    """Every override, names and words together: written form → hiragana."""
    return {
        word: reading for table in _override_tables().values() for word, reading in table.items()
    }


@lru_cache(maxsize=1)
def _override_pattern() -> re.Pattern[str] | None:
    """Names match anywhere (京丹後 in 京丹後市民); a word only as a whole kanji run, so that
    方 (かた) is not read inside 方法."""
    tables = _override_tables()
    whole = set(tables.get("words", {}))
    alternatives = [
        re.escape(word) if word not in whole else f"(?<![{KANJI}]){re.escape(word)}(?![{KANJI}])"
        for word in sorted(overrides(), key=len, reverse=True)  # the longest first
    ]
    return re.compile("|".join(alternatives)) if alternatives else None


@lru_cache(maxsize=1)
def reviewed() -> dict[str, tuple[Pair, ...]]:
    """The easy catalogue's texts with their reviewed readings."""
    if not REVIEWED.exists():
        return {}
    with REVIEWED.open("rb") as handle:
        data = tomllib.load(handle)
    return {text: parse_pairs(value) for text, value in data.get("texts", {}).items()}


def reviewed_readings(text: str) -> tuple[Pair, ...] | None:
    """The reviewed readings of a catalogue text, also as shown: a text without variables is
    still formatted, so the catalogue's "100%%" is shown as "100%"."""
    found = reviewed().get(text)
    if found is None and "%" in text:
        found = reviewed().get(text.replace("%", "%%"))
    return found


def parse_pairs(value: str) -> tuple[Pair, ...]:
    """``"相談:そうだん 窓口:まどぐち"`` → (("相談", "そうだん"), ("窓口", "まどぐち"))."""
    pairs = []
    for item in value.split():
        word, _, reading = item.partition(":")
        pairs.append((word, reading))
    return tuple(pairs)


def format_pairs(pairs: tuple[Pair, ...]) -> str:
    return " ".join(f"{word}:{reading}" for word, reading in pairs)


def readings(text: str, lookup: Lookup | None = None) -> tuple[Pair, ...]:
    """The readings of the kanji words of ``text``, in order: reviewed, else read by rule
    (days, counters, overrides) with each unit's readings from ``lookup`` (a unit it has no
    readings for gets none), or computed by pykakasi when no lookup is given."""
    found = reviewed_readings(text)
    if found is not None:
        return found
    return computed(text) if lookup is None else _resolved(text, lookup)


@lru_cache(maxsize=8192)
def computed(text: str) -> tuple[Pair, ...]:
    """Days of the week, counters and overrides where they match, pykakasi for each unit of
    the rest (loaded only if some kanji remain)."""
    return _resolved(text, guess)


def units(text: str) -> list[str]:
    """The units of ``text`` whose readings must be looked up: none if it is reviewed."""
    if reviewed_readings(text) is not None:
        return []
    return [piece for piece in pieces(text) if isinstance(piece, str)]


def _resolved(text: str, lookup: Lookup) -> tuple[Pair, ...]:
    pairs: list[Pair] = []
    for piece in pieces(text):
        if isinstance(piece, str):
            pairs += lookup(piece) or ()
        else:
            pairs.append(piece)
    return tuple(pairs)


@lru_cache(maxsize=8192)
def pieces(text: str) -> tuple[Piece, ...]:
    """``text`` as what rules read (days of the week, counters after a number, overrides: each
    a pair) and the units between them whose readings are computed or looked up (strings)."""
    return tuple(_split(text, WEEKDAY_RUN, _days, _numbered))


def _split(
    text: str,
    pattern: re.Pattern[str] | None,
    read: Callable[[re.Match[str]], list[Piece]],
    rest: Callable[[str], list[Piece]],
) -> list[Piece]:
    found: list[Piece] = []
    position = 0
    for match in pattern.finditer(text) if pattern else ():
        found += rest(text[position : match.start()])
        found += read(match)
        position = match.end()
    return found + rest(text[position:])


def _days(match: re.Match[str]) -> list[Piece]:
    return [(day, WEEKDAYS[day]) for day in match.group() if day in WEEKDAYS]


def _numbered(text: str) -> list[Piece]:
    return _split(text, COUNTED, _counter, _named)


def _counter(match: re.Match[str]) -> list[Piece]:
    return [(match.group(2), _counted(match.group(2), match.group(1)))]


def _named(text: str) -> list[Piece]:
    return _split(text, _override_pattern(), _override, _units)


def _override(match: re.Match[str]) -> list[Piece]:
    return [(match.group(), overrides()[match.group()])]


def _units(text: str) -> list[Piece]:
    return [unit for unit in UNIT.findall(text) if KANJI_RUN.search(unit)]


def guess(unit: str) -> tuple[Pair, ...]:
    """pykakasi's most likely readings of a unit's kanji words."""
    pairs: list[Pair] = []
    for item in _converter().convert(unit):
        written, reading = item["orig"], item["hira"]
        if KANJI_RUN.search(written):
            pairs += align(written, reading)
    return tuple(pairs)


def _counted(counter: str, number: str) -> str:
    digits = number.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if counter == "日":
        return DAYS.get(digits, "にち")
    if counter == "人" and digits in ("1", "2"):
        return "ひとり" if digits == "1" else "ふたり"
    if counter == "分":
        return "ぷん" if digits[-1] in PUN or digits.endswith("0") else "ふん"
    return COUNTERS[counter]


def align(written: str, reading: str) -> list[Pair]:
    """Split a word's reading over its kanji runs, the kana between them matched as they are:
    (聞い, きい) → [(聞, き)]; (問い合わせ, といあわせ) → [(問, と), (合, あ)]. When the kana do
    not match (a reading pykakasi changed), the whole word carries the whole reading."""
    parts = re.split(f"([{KANJI}]+)", written)
    pattern = "".join("(.+?)" if i % 2 else re.escape(hiragana(p)) for i, p in enumerate(parts))
    found = re.fullmatch(pattern, reading)
    if found is None:
        return [(written, reading)]
    return list(zip(parts[1::2], found.groups(), strict=True))


def hiragana(text: str) -> str:
    """Katakana as hiragana (ヶ, a kanji here, stays)."""
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヵ" else c for c in text)


def _converter() -> Any:
    global _kakasi
    if _kakasi is None:
        import pykakasi  # its dictionaries: over 100 MB, about a second, once per process

        _kakasi = pykakasi.kakasi()
    return _kakasi
