"""A case record (`records.case_record`) as an A4 PDF, set in the guidance cards' Japanese font.

Every page says it holds personal data and names the case; the person's name is never put in
the file's metadata. A character the font cannot draw is shown as 〓 and the document says so,
rather than printing an empty box: the JSON export keeps the original text.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

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
    Table,
    TableStyle,
)

from cards.fonts import load_font

MISSING_MARK = "〓"
ISO_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2})?\+09:00$")
LABEL_WIDTH = 48 * mm
MARGIN = 18 * mm


def render_case_pdf(record: dict[str, Any], font_path: str | Path | None = None) -> bytes:
    """The record as PDF bytes; `cards.fonts.FontMissing` when no Japanese font is found."""
    font = load_font(font_path)
    texts = _texts(record)
    missing = font.missing("".join(texts))
    mark = MISSING_MARK if not font.missing(MISSING_MARK) else "?"
    name = font.pdf_name("".join(texts) + mark + "0123456789/ ")
    styles = _styles(name)

    def clean(text: str) -> str:
        for character in missing:
            text = text.replace(character, mark)
        return text

    story: list[Flowable] = [
        Paragraph(clean(f"つなぎ支援 案件記録 {record['case_number']}"), styles["title"]),
        Paragraph(clean(_intro(record, bool(missing), mark)), styles["small"]),
    ]
    for section in record["sections"].values():
        story.append(Paragraph(escape(clean(section["title"])), styles["heading"]))
        entries = section["entries"]
        if not entries:
            story.append(Paragraph("記録はありません。", styles["body"]))
        for number, fields in enumerate(entries, start=1):
            numbered = [Paragraph(f"（{number}）", styles["small"])] if len(entries) > 1 else []
            story.append(KeepTogether([*numbered, _table(fields, styles, clean)]))
            story.append(Spacer(1, 2 * mm))
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN + 4 * mm,
        bottomMargin=MARGIN, title=f"Case record {record['case_number']}", author="Tsunagu",
        creator="Tsunagu", invariant=True,
    )  # fmt: skip
    page = _page_decoration(name, clean(f"{record['case_number']}　取扱注意（個人情報を含みます）"))
    document.build(story, onFirstPage=page, onLaterPages=page)
    return out.getvalue()


def _intro(record: dict[str, Any], missing: bool, mark: str) -> str:
    lines = [f"書き出した日時：{show_value(record['exported_at'])}"]
    if record.get("anonymised"):
        lines.append("この案件は保存期間を過ぎて匿名化されています。個人の情報は残っていません。")
    if missing:
        lines.append(
            f"フォントにない文字は{mark}で示しています（JSON形式の書き出しには元の文字があります）。"
        )
    return "<br/>".join(escape(line) for line in lines)


def _table(fields: list[dict[str, Any]], styles: dict[str, ParagraphStyle], clean: Any) -> Table:
    rows = [
        [
            Paragraph(escape(clean(field["label"])), styles["label"]),
            Paragraph(_markup(clean(show_value(field["value"]))), styles["body"]),
        ]
        for field in fields
    ]
    # splitInRow: a 4,000-character note is taller than a page and must break inside its row.
    width = A4[0] - 2 * MARGIN - LABEL_WIDTH
    table = Table(rows, colWidths=[LABEL_WIDTH, width], splitInRow=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f0f0")),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def show_value(value: Any) -> str:
    """A JSON value as a reader sees it: dates without seconds, yes/no, lists joined."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, list):
        return "、".join(show_value(item) for item in value)
    text = str(value)
    match = ISO_TIME.match(text)
    return f"{match[1]} {match[2]}" if match else text


def _markup(text: str) -> str:
    return escape(text).replace("\r\n", "\n").replace("\n", "<br/>")


def _texts(record: dict[str, Any]) -> list[str]:
    """Every piece of text the document may draw, so the font is checked (and subset) once."""
    texts = [
        str(record["case_number"]),
        "つなぎ支援 案件記録 書き出した日時：記録はありません。（）",
    ]
    texts.append("この案件は保存期間を過ぎて匿名化されています。個人の情報は残っていません。")
    texts.append("フォントにない文字はで示しています（JSON形式の書き出しには元の文字があります）。")
    texts.append("取扱注意（個人情報を含みます）　—はいいえ、")
    for section in record["sections"].values():
        texts.append(section["title"])
        for fields in section["entries"]:
            texts.extend(field["label"] + show_value(field["value"]) for field in fields)
    return texts


def _styles(font_name: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=font_name, fontSize=9, leading=13, wordWrap="CJK")
    return {
        "body": base,
        "label": ParagraphStyle("label", parent=base, fontSize=8.5),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=12, spaceAfter=4),
        "title": ParagraphStyle("title", parent=base, fontSize=15, leading=22, spaceAfter=4),
        "heading": ParagraphStyle(
            "heading", parent=base, fontSize=11.5, leading=17, spaceBefore=8, spaceAfter=3
        ),
    }


def _page_decoration(font_name: str, header: str) -> Any:
    def decorate(canvas: Canvas, document: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(font_name, 8)
        canvas.drawString(MARGIN, A4[1] - MARGIN, header)
        canvas.drawRightString(A4[0] - MARGIN, MARGIN / 2, f"{document.page}")
        canvas.restoreState()

    return decorate
