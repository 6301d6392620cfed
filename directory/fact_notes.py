"""Separate the fact sheet's research notes from the facts residents read.

The sheet writes its doubts and sources inside the facts themselves: "10:00–22:00（2020年時点）",
"京丹後市（健康推進課所管とみられる）", "0772-69-0001（代表；二次資料）", "…※2020年時点". A resident
needs the fact; staff need the note. `split_notes` returns both: the text with every note
taken out, and the notes, which the loader keeps in the staff-only check note.

A note is a sentence (split at 。；; and ／), a bracketed aside, or a part of an aside (split
at 。；;—), that says how sure the sheet is or where a fact comes from (`RESEARCH_NOTE`); or
anything after ※. A sentence that is a note but holds a number or address in its aside keeps
that aside ("未確認（ポータル https://…）" → "ポータル https://…"), so no way to reach a service is
lost with its doubt.
"""

from __future__ import annotations

import re

# How the sheet doubts a fact or names its source. Used on public fields only: a resident never
# reads these words, wherever they came from.
RESEARCH_NOTE = re.compile(
    r"未確認|要確認|要再確認|確認を|確認でき|見つから|不明|unclear|unconfirmed|undated"
    r"|とみられ|二次資料|一次資料|資料|記載|記事|ブログ|報道|転載|食い違|可能性|想定|行を参照"
    r"|政府広報|年時点|年情報|年実施|年度から|\d{4}年の|\d{4}(?:[–-]\d{2,4})?年[:：=]"
    r"|\d{4}年\d{1,2}月\d{1,2}",  # a dated one-off ("2023年8月23–29日は時間延長")
    re.IGNORECASE,
)
# Left as it is when a whole value is only a conflict between sources.
CONFLICT_LEAD = "資料で食い違い"
REACHABLE = re.compile(r"https://|@[A-Za-z0-9]|\d{2,4}-\d{1,4}|#\d{4}")
SENTENCE_ENDS = "。；;／"
ASIDE = re.compile(r"（([^（）]*)）")
ASIDE_PART = re.compile(r"[。；;—]")
EDGES = "、。；;／—: 　"


def split_notes(value: str) -> tuple[str, list[str]]:
    """The value without research notes, and the notes taken out (in order)."""
    if value.startswith(CONFLICT_LEAD):
        return "", [value]
    head, mark, tail = value.partition("※")
    notes = [mark + tail] if mark else []
    kept = []
    for sentence, delimiter in _sentences(head):
        text = _clean_sentence(sentence, notes)
        if text.strip():
            kept.append(text + delimiter)
    return "".join(kept).strip(EDGES), notes


def _sentences(text: str) -> list[tuple[str, str]]:
    """Sentences with the delimiter after each; a delimiter inside an aside does not count."""
    found, start, depth = [], 0, 0
    for index, char in enumerate(text):
        depth += (char == "（") - (char == "）")
        if depth == 0 and char in SENTENCE_ENDS:
            found.append((text[start:index], char))
            start = index + 1
    return [*found, (text[start:], "")]


def is_note(text: str) -> bool:
    return bool(RESEARCH_NOTE.search(text))


def _clean_sentence(sentence: str, notes: list[str]) -> str:
    outside = ASIDE.sub("", sentence)
    if is_note(outside):
        notes.append(sentence.strip())
        reachable = [a for a in ASIDE.findall(sentence) if REACHABLE.search(a)]
        return " ".join(_clean_aside(a, []) for a in reachable)
    return ASIDE.sub(lambda match: _aside(match.group(1), notes), sentence)


def _aside(inner: str, notes: list[str]) -> str:
    kept = _clean_aside(inner, notes)
    return f"（{kept}）" if kept else ""


def _clean_aside(inner: str, notes: list[str]) -> str:
    parts = [part.strip() for part in ASIDE_PART.split(inner)]
    notes.extend(part for part in parts if part and is_note(part))
    return "；".join(part for part in parts if part and not is_note(part)).strip(EDGES)
