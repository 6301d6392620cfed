"""The annual report the partnership files: one PDF and one XLSX of a fiscal year's figures.

Laid out as a municipality files it: the title and the municipality, the period (和暦 and
western), whether the figures are internal or for publication and the suppression rule, then
numbered sections (つなぎ支援の件数と結果, 支援会議, フォローアップ, プッシュ型支援, カード配布,
研修), each with its tables and their notes, and at the end what was coarsened or left out. The
PDF is A4 portrait in the guidance cards' Japanese font (`cards.fonts`); the XLSX has the cover,
the report on one sheet in the same order, and one sheet per table (`exports`).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as PdfTable

from backoffice.statistics.exports import (
    XLSX_TYPE,
    Export,
    ExportFile,
    csv_file,
    grid,
    heading,
    put,
    save,
    sheet_names,
    write_cover,
    write_table,
    xlsx_file,
)
from backoffice.statistics.tables import Table
from cards.fonts import load_font

TITLE = "つなぎ支援事業 実施状況報告（統計）"
PDF_TYPE = "application/pdf"
NOTHING = "この期間の集計はありません。"
MISSING_MARK = "〓"
MARGIN = 16 * mm
LABEL_WIDTH = 52 * mm


def _in_referrals(key: str) -> bool:
    return key.startswith("referrals.") and not _meeting(key) and not _follow_up(key)


def _meeting(key: str) -> bool:
    return key.startswith("referrals.") and "meeting" in key


def _follow_up(key: str) -> bool:
    return key.startswith("referrals.follow_up")


SECTIONS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("つなぎ支援の件数と結果", _in_referrals),
    ("支援会議", _meeting),
    ("フォローアップ", _follow_up),
    ("プッシュ型支援", lambda key: key.startswith("outreach.")),
    ("カード配布", lambda key: key.startswith("cards.")),
    ("研修", lambda key: key.startswith("training.")),
)


def sections(tables: tuple[Table, ...]) -> list[tuple[str, list[Table]]]:
    """The report's numbered sections, each with its tables in the export's order."""
    return [
        (f"{n}　{name}", [t for t in tables if belongs(t.key)])
        for n, (name, belongs) in enumerate(SECTIONS, start=1)
    ]


# What a page or the command may ask for: every table as CSV or XLSX, or the annual report.
FORMATS = ("csv", "xlsx", "report.xlsx", "report.pdf")


def export_file(
    export: Export, file_format: str, municipality: str = "", font_path: str | Path | None = None
) -> ExportFile:
    """The file of ``export`` in one of `FORMATS`: bytes, file name and media type."""
    if file_format == "csv":
        return csv_file(export)
    if file_format == "xlsx":
        return xlsx_file(export)
    if file_format == "report.xlsx":
        return report_xlsx(export, municipality)
    if file_format == "report.pdf":
        return report_pdf(export, municipality, font_path)
    raise ValueError(f"unknown statistics format: {file_format!r}")


def title_of(municipality: str) -> str:
    return f"{municipality}　{TITLE}" if municipality else TITLE


# --- XLSX --------------------------------------------------------------------------------


def report_xlsx(export: Export, municipality: str = "") -> ExportFile:
    """The cover, the report on one sheet (報告), then one sheet per table."""
    book = Workbook()
    write_cover(book.active, export, title_of(municipality))
    sheet = book.create_sheet("報告")
    put(sheet, 1, 1, title_of(municipality), bold=True)
    put(sheet, 2, 1, export.period.label)
    put(sheet, 3, 1, export.mode)
    row = 5
    for name, tables in sections(export.tables):
        put(sheet, row, 1, name, bold=True)
        row += 1
        if not tables:
            put(sheet, row, 1, NOTHING)
            row += 2
        for table in tables:
            put(sheet, row, 1, heading(table), bold=True)
            row = write_table(sheet, table, row + 1) + 1
    for table, name in zip(export.tables, sheet_names(export.tables), strict=True):
        one = book.create_sheet(name)
        put(one, 1, 1, heading(table), bold=True)
        put(one, 2, 1, export.period.label)
        write_table(one, table, 4)
    return ExportFile(save(book), f"{export.slug('report')}.xlsx", XLSX_TYPE)


# --- PDF ---------------------------------------------------------------------------------


def report_pdf(
    export: Export, municipality: str = "", font_path: str | Path | None = None
) -> ExportFile:
    """The report as A4 PDF; `cards.fonts.FontMissing` when no Japanese font is found."""
    parts = sections(export.tables)
    texts = _texts(export, municipality, parts)
    font = load_font(font_path)
    missing = font.missing("".join(texts))
    mark = MISSING_MARK if not font.missing(MISSING_MARK) else "?"
    name = font.pdf_name("".join(texts) + mark)
    styles = _styles(name)

    def clean(value: object) -> str:
        plain = str(value)
        for character in missing:
            plain = plain.replace(character, mark)
        return plain

    def text(value: object) -> str:
        return escape(clean(value))

    story: list[Flowable] = [
        Paragraph(text(title_of(municipality)), styles["title"]),
        Paragraph(text(export.period.label), styles["subtitle"]),
    ]
    for label, line in export.cover():
        story.append(Paragraph(f"{text(label)}：{text(line)}", styles["small"]))
    for section_name, tables in parts:
        story.append(Paragraph(text(section_name), styles["heading"]))
        if not tables:
            story.append(Paragraph(NOTHING, styles["body"]))
        for table in tables:
            block: list[Flowable] = [Paragraph(text(heading(table)), styles["caption"])]
            block.append(_pdf_table(table, styles, text))
            block += [Paragraph(text(f"注：{note}"), styles["small"]) for note in table.notes]
            story += [KeepTogether(block), Spacer(1, 3 * mm)]
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN + 4 * mm,
        bottomMargin=MARGIN, title=f"Tsunagu annual report {export.period.slug}",
        author="Tsunagu", creator="Tsunagu", invariant=True,
    )  # fmt: skip
    page = _page(name, clean(export.mode))
    document.build(story, onFirstPage=page, onLaterPages=page)
    return ExportFile(out.getvalue(), f"{export.slug('report')}.pdf", PDF_TYPE)


def _pdf_table(table: Table, styles: dict[str, ParagraphStyle], text: Any) -> PdfTable:
    rows = grid(table)
    cell = styles["cell"]
    number = styles["number"]
    body = [
        [Paragraph(text(v), cell if j == 0 or i == 0 else number) for j, v in enumerate(row)]
        for i, row in enumerate(rows)
    ]
    others = max(len(rows[0]) - 1, 1)
    width = min((A4[0] - 2 * MARGIN - LABEL_WIDTH) / others, 32 * mm)
    pdf = PdfTable(body, colWidths=[LABEL_WIDTH, *([width] * others)], repeatRows=1)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#888888")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    if table.column_totals:
        style.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f5f5f5")))
    pdf.setStyle(TableStyle(style))
    return pdf


def _texts(export: Export, municipality: str, parts: list[tuple[str, list[Table]]]) -> list[str]:
    """Every piece of text the PDF may draw, so the font is checked (and subset) once."""
    texts = [title_of(municipality), export.period.label, export.mode, NOTHING, "：注0123456789*"]
    texts += [f"{label}{line}" for label, line in export.cover()]
    for name, tables in parts:
        texts.append(name)
        for table in tables:
            texts.append(heading(table))
            texts += [str(v) for row in grid(table) for v in row]
            texts += list(table.notes)
    return texts


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=11.5),
        "title": ParagraphStyle("title", parent=base, fontSize=16, leading=24, alignment=1),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontSize=11, leading=16, alignment=1, spaceAfter=8
        ),
        "heading": ParagraphStyle(
            "heading",
            parent=base,
            fontSize=12.5,
            leading=18,
            spaceBefore=10,
            spaceAfter=4,
            keepWithNext=1,
        ),
        "caption": ParagraphStyle("caption", parent=base, fontSize=9.5, spaceAfter=2),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "number": ParagraphStyle("number", parent=base, fontSize=8, leading=10, alignment=2),
    }


def _page(font: str, mode: str) -> Callable[[Canvas, SimpleDocTemplate], None]:
    def decorate(canvas: Canvas, document: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawString(MARGIN, A4[1] - MARGIN, mode)
        canvas.drawCentredString(A4[0] / 2, MARGIN / 2, f"- {document.page} -")
        canvas.restoreState()

    return decorate
