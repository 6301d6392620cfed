"""`core.csvsafe`: a cell a spreadsheet would run as a formula gets one leading apostrophe, and
every value reads back exactly (the audit, HSDS and statistics CSV files share it)."""

from __future__ import annotations

import pytest

from core.csvsafe import neutralise, unneutralise


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        "+81",
        "-1",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
        '＝HYPERLINK("https://evil.example")',  # full-width signs
        "＋1",
        "－1",
        "＠SUM(A1)",
        "﹦1",  # a small equals sign: = in NFKC
        " =1+1",  # spaces, tabs or a full-width space before the sign
        "   +1",
        " \t-1",
        "\u3000＝1",
        "\n=1",
    ],
)
def test_a_formula_start_gets_one_apostrophe_and_reads_back(value: str) -> None:
    written = neutralise(value)

    assert written == "'" + value  # the text itself is kept as it is
    assert unneutralise(written) == value
    assert neutralise("'" + value) == "''" + value  # one more, taken away again
    assert unneutralise(neutralise("'" + value)) == "'" + value


@pytest.mark.parametrize(
    "value",
    ["", "plain", "'", "'plain", " plain", "\u3000相談", "1-2", "a=b", "ＡＢＣ", "１２３", "   "],
)
def test_other_text_is_left_alone(value: str) -> None:
    assert neutralise(value) == value
    assert unneutralise(value) == value


def test_none_and_numbers_are_text() -> None:
    assert neutralise(None) == ""
    assert neutralise(-5) == "'-5"
    assert neutralise(12) == "12"
