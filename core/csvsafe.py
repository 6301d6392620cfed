"""CSV cells a spreadsheet cannot run: a value that would start a formula gets a leading '.

Excel, LibreOffice and Google Sheets treat a cell starting with =, +, -, @, a tab or a carriage
return as a formula (``=HYPERLINK(...)`` runs when the file is opened: CSV injection). A leading
apostrophe makes them show it as text. So that a file we write can be read back exactly, a value
that already starts with apostrophes before such a character gets one more, and ``unneutralise``
takes exactly one away: every value survives ``unneutralise(neutralise(value))``.
"""

from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Apostrophes, then a character that starts a formula: the values given one more apostrophe.
_NEUTRALISED = re.compile(r"^'*[=+\-@\t\r]")


def neutralise(value: object) -> str:
    """The cell's text, with a leading ' if a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if _NEUTRALISED.match(text) else text


def unneutralise(text: str) -> str:
    """The value ``neutralise`` was given: one apostrophe fewer before a formula character."""
    return text[1:] if text.startswith("'") and _NEUTRALISED.match(text) else text
