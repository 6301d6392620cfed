"""Card texts break between phrases, as the public pages' headings do, unless that would make
the text much smaller than breaking anywhere."""

from __future__ import annotations

from cards.textfit import fit, wrap

MESSAGE = "ひとりで抱えこまずに、話してみませんか。どんなことでも大丈夫です。"


def by_characters(text: str) -> float:
    return float(len(text))  # one unit a character: a monospaced stand-in for a font


def at_size(text: str, size: float) -> float:
    return len(text) * size


def test_lines_break_between_phrases() -> None:
    lines = wrap(MESSAGE, 15, by_characters, phrases=True)

    assert "".join(lines) == MESSAGE
    assert any(line.startswith("話してみませんか") or line.endswith("話してみませんか。")
               for line in lines)  # fmt: skip
    assert all(not line.endswith(("話してみ", "話してみませ")) for line in lines)


def test_breaking_anywhere_fills_lines_but_splits_words() -> None:
    lines = wrap(MESSAGE, 15, by_characters)

    assert lines[0] == "ひとりで抱えこまずに、話してみ"  # 15 characters, inside a word


def test_fit_keeps_phrases_whole_when_that_costs_little() -> None:
    fitted = fit(MESSAGE, 150, 60, 10, at_size)

    assert fitted is not None
    assert "話してみませんか。" in "".join(line for line in fitted.lines if "話して" in line)
