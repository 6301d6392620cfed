"""CSV cells a spreadsheet cannot run: a value that would start a formula gets a leading '.

Excel, LibreOffice and Google Sheets treat a cell starting with =, +, -, @, a tab or a carriage
return as a formula (``=HYPERLINK(...)`` runs when the file is opened: CSV injection). Spaces
before the sign do not stop every spreadsheet, and Japanese Excel may take a full-width sign
(＝, ＋, －, ＠) for its half-width form: so the first character after any leading spaces (half or
full width) is read in its NFKC form for the check. A leading apostrophe makes them show the cell
as text; the text is otherwise kept as it is. So that a file we write can be read back exactly, a
value that already starts with apostrophes before such a start gets one more, and
``unneutralise`` takes exactly one away: every value survives ``unneutralise(neutralise(value))``.
"""

from __future__ import annotations

import unicodedata

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SIGNS = frozenset("=+-@")
_CONTROL = ("\t", "\r")
_SPACES = " \u3000"  # before the sign: half-width and full-width (U+3000) spaces


def _would_run(text: str) -> bool:
    """Whether ``text``, after its leading apostrophes, starts as a formula would."""
    rest = text.lstrip("'")
    if rest.startswith(_CONTROL):
        return True
    rest = rest.lstrip(_SPACES + "\t\r\n")
    return bool(rest) and unicodedata.normalize("NFKC", rest[0])[:1] in _SIGNS


def neutralise(value: object) -> str:
    """The cell's text, with a leading ' if a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if _would_run(text) else text


def unneutralise(text: str) -> str:
    """The value ``neutralise`` was given: one apostrophe fewer before a formula's start."""
    return text[1:] if text.startswith("'") and _would_run(text) else text
