"""Japanese line breaking between phrases (else by character) with simple kinsoku, and
shrinking text to fit a box.

Lines break between BudouX's phrases where they can (「話してみませんか」 stays whole), the way
the public pages' headings do; a text that would need to shrink much further for that breaks by
character instead, so a long text still fits a small card.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from core.phrases import split_phrases

MIN_SIZE_PT = 6.0
SIZE_STEP_PT = 0.25
LEADING = 1.35  # line pitch as a multiple of the size
ORPHAN_CHARS = 2  # a last line this short looks like a mistake...
ORPHAN_SHRINK = 0.8  # ...so shrink by up to a fifth to avoid it
PHRASE_SHRINK = 0.9  # keep phrases whole at up to a tenth smaller than breaking anywhere
# Never at the start of a line: closing brackets, punctuation, small kana, the long-vowel mark.
NO_LINE_START = set(
    "、。，．,.)）」』】〕〉》］｝!?！？・：；:;ーぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々〜…‥"
)
# Never at the end of a line: opening brackets.
NO_LINE_END = set("(（「『【〔〈《［｛")
# Runs of Latin letters, digits and the marks inside numbers and URLs stay together.
LATIN_RUN = re.compile(r"[0-9A-Za-z０-９@#%&+\-‐－_/:.]+|.", re.DOTALL)

Measure = Callable[[str], float]
WidthAt = Callable[[str, float], float]


@dataclass(frozen=True)
class FittedText:
    lines: tuple[str, ...]
    size: float  # points


def wrap(text: str, width: float, measure: Measure, *, phrases: bool = False) -> list[str]:
    """Lines of ``text`` no wider than ``width`` (``measure`` gives a string's width), broken
    between phrases when ``phrases`` (a phrase wider than a line still breaks inside)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(_wrap_paragraph(paragraph, width, measure, phrases))
    return lines


def fit(
    text: str, width: float, height: float, size: float, width_at: WidthAt
) -> FittedText | None:
    """The largest size from ``size`` down to 6 pt at which the wrapped text fits, or None.

    Sizes, width and height are in points; ``width_at(text, size)`` measures a string. A size a
    little smaller is preferred to a last line of one or two characters, and to a line broken
    inside a phrase.
    """
    anywhere = _fit(text, width, height, size, width_at, phrases=False)
    whole = _fit(text, width, height, size, width_at, phrases=True)
    if whole is not None and anywhere is not None and whole.size >= anywhere.size * PHRASE_SHRINK:
        return whole
    return anywhere


def _fit(
    text: str, width: float, height: float, size: float, width_at: WidthAt, *, phrases: bool
) -> FittedText | None:
    sizes = []
    current = size
    while current >= MIN_SIZE_PT - 1e-9:
        sizes.append(current)
        current -= SIZE_STEP_PT
    tries = (_try(text, width, height, at, width_at, phrases) for at in sizes)
    fitting = (fitted for fitted in tries if fitted)
    first = next(fitting, None)
    if first is None or not _orphan(first):
        return first
    for candidate in fitting:
        if candidate.size < first.size * ORPHAN_SHRINK:
            break
        if not _orphan(candidate):
            return candidate
    return first


def _try(
    text: str, width: float, height: float, size: float, width_at: WidthAt, phrases: bool
) -> FittedText | None:
    lines = wrap(text, width, lambda s: width_at(s, size), phrases=phrases)
    if len(lines) * size * LEADING > height + 1e-6:
        return None
    if any(width_at(line, size) > width + 1e-6 for line in lines):
        return None
    return FittedText(tuple(lines), size)


def _orphan(fitted: FittedText) -> bool:
    return len(fitted.lines) > 1 and len(fitted.lines[-1]) <= ORPHAN_CHARS


def _wrap_paragraph(paragraph: str, width: float, measure: Measure, phrases: bool) -> list[str]:
    units = (
        _phrase_units(paragraph, width, measure) if phrases else _units(paragraph, width, measure)
    )
    lines: list[list[str]] = [[]]
    for unit in units:
        line = lines[-1]
        if line and measure("".join(line) + unit.rstrip()) > width:
            lines.append(_carry_over(line, unit))
        else:
            line.append(unit)
    return ["".join(line).strip() for line in lines if "".join(line).strip()] or [""]


def _carry_over(line: list[str], unit: str) -> list[str]:
    """Start a new line with ``unit``: after the line's last space if it has one, else moving
    units back from ``line`` so that no line starts or ends with a forbidden character."""
    spaces = [i for i, u in enumerate(line) if u in (" ", "\u3000")]
    if spaces and spaces[-1] > 0:
        moved = [*line[spaces[-1] + 1 :], unit]
        del line[spaces[-1] :]
        return moved
    moved = [unit]
    while len(line) > 1 and (moved[0][0] in NO_LINE_START or line[-1][-1] in NO_LINE_END):
        moved.insert(0, line.pop())
    if moved[0] == " ":
        moved.pop(0)
    return moved


def _units(paragraph: str, width: float, measure: Measure) -> list[str]:
    """Break units: one character, or a Latin run (itself split if wider than a line)."""
    units: list[str] = []
    for match in LATIN_RUN.finditer(paragraph):
        run = match.group()
        if len(run) == 1 or measure(run) <= width:
            units.append(run)
        else:
            units.extend(run)
    return units


def _phrase_units(paragraph: str, width: float, measure: Measure) -> list[str]:
    """Break units: BudouX's phrases, each split as by `_units` if wider than a line."""
    units: list[str] = []
    for phrase in split_phrases(paragraph):
        if measure(phrase) <= width:
            units.append(phrase)
        else:
            units.extend(_units(phrase, width, measure))
    return units
