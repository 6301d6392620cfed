"""The figures of a period as files: CSV and XLSX, internal (exact) or for publication.

Each function returns an `ExportFile` (bytes, a file name, a media type), so the statistics
pages, the ``stats export`` command and the annual report (`report`) write the same files.

CSV: one file with a section per table (its title, a header row, the rows, the totals and its
notes), after a header naming the period, the mode and the suppression rule. One file rather than
one per table: it downloads and mails as a single thing, and the period and the rule can never
be separated from the figures. UTF-8 with a byte order mark, which Japanese Excel needs to read
UTF-8, CRLF line ends, and every cell passed through `core.csvsafe.neutralise` (labels come
from fixed lists, but a cell is never trusted to be one). XLSX (openpyxl): a cover sheet
(period, mode, rule, what was coarsened or left out), then one sheet per table; text is always
stored as text, never as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from backoffice.statistics.periods import Period
from backoffice.statistics.suppression import for_publication, is_count, rule_text
from backoffice.statistics.tables import Table, shown
from core.csvsafe import neutralise
from core.timezone import TOKYO

TITLE = "つなぎ支援事業 統計"
MODES = {
    False: "内部用（正確な数。外部に出さないでください）",
    True: "公表用（少ない数を「*」で伏せています）",
}
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TOTAL = "合計"
SHEET_NAME_MAX = 31  # Excel's limit
WITHHELD = "公表用では載せていない集計（件数ではなく、伏せた数から計算できるため）"


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    filename: str
    mimetype: str


@dataclass(frozen=True)
class Export:
    """The tables of one export, as they will be shown, with what its cover says."""

    period: Period
    tables: tuple[Table, ...]
    publication: bool
    threshold: int
    withheld: tuple[str, ...] = ()  # titles of the figures publication leaves out
    made_at: datetime | None = None

    @property
    def mode(self) -> str:
        return MODES[self.publication]

    @property
    def rule(self) -> str:
        return rule_text(self.threshold) if self.publication else "伏せていません（内部用）。"

    def cover(self) -> list[tuple[str, str]]:
        """The lines of the cover: (heading, text)."""
        made = (self.made_at or datetime.now(TOKYO)).astimezone(TOKYO)
        lines = [
            ("期間", self.period.label),
            ("区分", self.mode),
            ("少ない数の扱い", self.rule),
            ("作成日時", made.strftime("%Y-%m-%d %H:%M")),
        ]
        notes = dict.fromkeys(note for table in self.tables for note in table.notes)
        lines += [("注記", note) for note in notes]
        if self.withheld:
            lines.append((WITHHELD, "、".join(self.withheld)))
        return lines

    def slug(self, what: str = "statistics") -> str:
        mode = "publication" if self.publication else "internal"
        return f"tsunagu-{what}-{self.period.slug}-{mode}"


def prepare(
    tables: Sequence[Table],
    period: Period,
    *,
    publication: bool,
    threshold: int,
    made_at: datetime | None = None,
) -> Export:
    """The export of ``tables``: as they are, or made safe to publish (`suppression`)."""
    if not publication:
        return Export(period, tuple(tables), False, threshold, made_at=made_at)
    withheld = tuple(table.title for table in tables if not is_count(table))
    shown_tables = tuple(for_publication(tables, threshold))
    return Export(period, shown_tables, True, threshold, withheld, made_at)


def grid(table: Table) -> list[list[str | int]]:
    """The table as rows of a sheet: a header, the rows with their totals, the totals row."""
    totals = bool(table.row_totals) and len(table.columns) > 1  # one column: its own total
    header: list[str | int] = ["", *table.columns, *([TOTAL] if totals else [])]
    body: list[list[str | int]] = [header]
    for i, label in enumerate(table.rows):
        row = [label, *(_value(v) for v in table.cells[i])]
        body.append(row + ([_value(table.row_totals[i])] if totals else []))
    if table.column_totals:
        last = [_value(table.grand_total)] if totals else []
        body.append([TOTAL, *(_value(v) for v in table.column_totals), *last])
    return body


def _value(value: int | None) -> str | int:
    return shown(value) if value is None else value


def heading(table: Table) -> str:
    return f"{table.title}（単位：{table.unit}）"


# --- CSV ---------------------------------------------------------------------------------


def csv_file(export: Export) -> ExportFile:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def write(row: Sequence[object]) -> None:
        writer.writerow([neutralise(cell) for cell in row])

    write([TITLE])
    for name, text in export.cover():
        write([name, text])
    for table in export.tables:
        write([])
        write([heading(table)])
        for row in grid(table):
            write(row)
        for note in table.notes:
            write(["注", note])
    content = out.getvalue().encode("utf-8-sig")  # the BOM: Japanese Excel reads it as UTF-8
    return ExportFile(content, f"{export.slug()}.csv", CSV_TYPE)


# --- XLSX --------------------------------------------------------------------------------


def xlsx_file(export: Export) -> ExportFile:
    """A cover sheet, then one sheet per table."""
    book = Workbook()
    write_cover(book.active, export, TITLE)
    for table, name in zip(export.tables, sheet_names(export.tables), strict=True):
        sheet = book.create_sheet(name)
        put(sheet, 1, 1, table.title, bold=True)
        put(sheet, 2, 1, export.period.label)
        put(sheet, 3, 1, f"単位：{table.unit}　{export.mode}")
        write_table(sheet, table, 5)
    return ExportFile(save(book), f"{export.slug()}.xlsx", XLSX_TYPE)


def save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_cover(sheet: Worksheet, export: Export, title: str) -> None:
    sheet.title = "表紙"
    put(sheet, 1, 1, title, bold=True)
    for row, (name, text) in enumerate(export.cover(), start=3):
        put(sheet, row, 1, name, bold=True)
        put(sheet, row, 2, text)
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 90


def write_table(sheet: Worksheet, table: Table, first_row: int) -> int:
    """The table from ``first_row`` down, then its notes; returns the next free row."""
    row = first_row
    for line_number, line in enumerate(grid(table)):
        for column, value in enumerate(line, start=1):
            put(sheet, row, column, value, bold=line_number == 0 or column == 1)
        row += 1
    for note in table.notes:
        put(sheet, row, 1, f"注：{note}")
        row += 1
    sheet.column_dimensions["A"].width = max(sheet.column_dimensions["A"].width or 0, 28)
    return row


def put(sheet: Worksheet, row: int, column: int, value: object, *, bold: bool = False) -> None:
    """One cell; text stays text (a label starting with = is never read as a formula)."""
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        if value == shown(None):
            cell.alignment = Alignment(horizontal="right")
    if bold:
        cell.font = Font(bold=True)


def sheet_names(tables: Sequence[Table]) -> list[str]:
    """A sheet name per table from its key: at most 31 characters, each once."""
    names: list[str] = []
    for table in tables:
        base = "".join("_" if ch in "[]:*?/\\" else ch for ch in table.key)[:SHEET_NAME_MAX]
        name, n = base, 2
        while name.lower() in (taken.lower() for taken in [*names, "表紙", "報告"]):
            suffix = f"~{n}"
            name, n = base[: SHEET_NAME_MAX - len(suffix)] + suffix, n + 1
        names.append(name)
    return names
