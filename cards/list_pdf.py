"""A printed list of services (`directory.printable.PrintDocument`) as an A4 PDF.

It lives beside the cards because it is made with their kit: the same Japanese font, checked
and embedded (`cards.fonts`), and QR codes drawn as vector squares (`cards.qr_matrix`), so a
code stays sharp on any printer. Each service is a block that never splits across pages: its
name, how to reach it, its week, and a QR code to its page. The crisis lines and the emergency
numbers come first; every page says the date the list was printed for, its number, and the
city's contact and dedicated window at its foot. A character the font lacks prints as 〓
rather than as an empty box.
"""

from __future__ import annotations

import io
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
from cards.qr_matrix import QUIET_ZONE, qr_matrix
from directory.printable import ENGLISH, PrintDocument, PrintEntry, text_in

MARGIN = 15 * mm
FOOT = 16 * mm  # room under the text for the contact lines and the page number
QR_SIZE = 24 * mm  # modules of about 0.6 mm for a service page's address: read at arm's length
MISSING_MARK = "〓"
GREY = colors.HexColor("#555555")


def render_list_pdf(document: PrintDocument, font_path: str | Path | None = None) -> bytes:
    """The document as PDF bytes; `cards.fonts.FontMissing` when no Japanese font is found."""
    font = load_font(font_path)
    texts = _texts(document)
    missing = font.missing("".join(texts))
    mark = MISSING_MARK if not font.missing(MISSING_MARK) else "?"
    name = font.pdf_name("".join(texts) + mark + "0123456789/ ")
    styles = _styles(name)

    def clean(text: str) -> str:
        for character in missing:
            text = text.replace(character, mark)
        return escape(text)

    story: list[Flowable] = [Paragraph(clean(document.title), styles["title"])]
    story.append(Paragraph(clean(document.as_of), styles["small"]))
    story += [Paragraph(clean(note), styles["body"]) for note in document.notes]
    story.append(_urgent(document, styles, clean))
    story.append(Paragraph(clean(document.labels["qr"]), styles["small"]))
    for entry in document.entries:
        story.append(KeepTogether([_entry(entry, document, styles, clean), Spacer(1, 3 * mm)]))
    out = io.BytesIO()
    pdf = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN + FOOT, title=document.title, author=_operator(document),
        creator="Tsunagu", lang="en" if document.language == ENGLISH else "ja", invariant=True,
    )  # fmt: skip
    foot = [clean(line) for line in _foot_lines(document)]
    pdf.build(story, canvasmaker=_numbered(name, foot, clean(document.as_of)))
    return out.getvalue()


def _urgent(document: PrintDocument, styles: dict[str, ParagraphStyle], clean: Any) -> Table:
    """The crisis lines and the emergency numbers, in a box, before anything else."""
    labels, language = document.labels, document.language
    rows: list[list[Any]] = [[Paragraph(clean(labels["urgent"]), styles["heading"])]]
    for entry in document.urgent:
        ways = "　".join(_channel_text(c, document) for c in entry.service.channels[:2])
        week = " / ".join(entry.week) or text_in(entry.service, "hours_note", language)
        line = f"{text_in(entry.service, 'name', language)}　{ways}　{week}".strip()
        rows.append([Paragraph(clean(line), styles["body"])])
    numbers = "　".join(
        f"{item.number} {item.label_en if language == ENGLISH and item.label_en else item.label}"
        for item in document.profile.emergency_numbers
    )
    rows.append([Paragraph(clean(f"{labels['emergency']}　{numbers}"), styles["strong"])])
    table = Table(rows, colWidths=[A4[0] - 2 * MARGIN])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), styles["body"].fontName),
                ("BOX", (0, 0), (-1, -1), 1.2, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    table.spaceAfter = 4 * mm
    return table


def _entry(
    entry: PrintEntry, document: PrintDocument, styles: dict[str, ParagraphStyle], clean: Any
) -> Table:
    service, language, labels = entry.service, document.language, document.labels
    cell: list[Flowable] = [Paragraph(clean(text_in(service, "name", language)), styles["name"])]
    organization = text_in(service.organization, "name", language)
    if organization and organization != service.name:
        cell.append(Paragraph(clean(organization), styles["small"]))
    ways = [_channel_text(channel, document) for channel in service.channels]
    if not ways and service.contact_note:
        ways = [service.contact_note]
    cell += [Paragraph(clean(way), styles["body"]) for way in ways]
    hours = [*entry.week]
    note = text_in(service, "hours_note", language)
    if note:
        hours.append(note)
    if hours:
        text = f"{labels['hours']} " + " / ".join(hours)
        cell.append(Paragraph(clean(text), styles["body"]))
    table = Table([[cell, QrCode(entry.url)]], colWidths=[A4[0] - 2 * MARGIN - QR_SIZE, QR_SIZE])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), styles["body"].fontName),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEABOVE", (0, 0), (-1, 0), 0.5, GREY),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (1, 0), (1, 0), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _channel_text(channel: Any, document: PrintDocument) -> str:
    kind = document.labels.get(f"kind:{channel.kind}", channel.kind)
    label = f"（{channel.label}）" if channel.label else ""
    return f"{kind} {channel.value}{label}"


class QrCode(Flowable):
    """A QR code to ``url`` as vector squares, its quiet zone included in its size."""

    def __init__(self, url: str, size: float = QR_SIZE) -> None:
        super().__init__()
        self.matrix = qr_matrix(url)
        self.width = self.height = size

    def draw(self) -> None:
        module = self.width / self.matrix.size_with_quiet_zone
        canvas = self.canv
        canvas.setFillColor(colors.black)
        path = canvas.beginPath()
        for row, column, length in self.matrix.runs():
            x = (column + QUIET_ZONE) * module
            y = self.height - (row + QUIET_ZONE + 1) * module
            path.rect(x, y, length * module, module)
        canvas.drawPath(path, stroke=0, fill=1)


def _operator(document: PrintDocument) -> str:
    profile = document.profile
    if document.language == ENGLISH and profile.name_en:
        return ", ".join(p for p in (profile.name_en, profile.section_en) if p)
    return f"{profile.name} {profile.section}"


def _foot_lines(document: PrintDocument) -> list[str]:
    profile, labels = document.profile, document.labels
    english = document.language == ENGLISH
    window = profile.dedicated_window_name_en if english else ""
    window = window or profile.dedicated_window_name
    line = f"{labels['contact']} {_operator(document)} {labels['kind:phone']} {profile.phone}"
    second = f"{window}（{profile.dedicated_window_channel}）"
    if profile.dedicated_window_hours:
        second += f" {labels['hours']} {profile.dedicated_window_hours}"
    return [line, second]


def _numbered(font_name: str, foot: list[str], as_of: str) -> type[Canvas]:
    """A canvas that writes the foot on every page, with "page / pages" once all are known."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            # Each page starts in our font: reportlab's default is Helvetica, never embedded.
            super().__init__(*args, **{**kwargs, "initialFontName": font_name})
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802  (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            for state in self._pages:
                self.__dict__.update(state)
                self._foot(len(self._pages))
                super().showPage()
            super().save()

        def _foot(self, pages: int) -> None:
            self.saveState()
            self.setFont(font_name, 7.5)
            self.setFillColor(GREY)
            self.line(MARGIN, MARGIN + FOOT - 4 * mm, A4[0] - MARGIN, MARGIN + FOOT - 4 * mm)
            for number, line in enumerate(foot):
                self.drawString(MARGIN, MARGIN + FOOT - 8 * mm - number * 4 * mm, _plain(line))
            self.drawRightString(
                A4[0] - MARGIN, MARGIN, f"{_plain(as_of)}　{self._pageNumber} / {pages}"
            )
            self.restoreState()

    return NumberedCanvas


def _plain(escaped: str) -> str:
    """Text escaped for a paragraph, back to plain text for `drawString`."""
    return escaped.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _texts(document: PrintDocument) -> list[str]:
    """Every piece of text the document may draw, so the font is checked once."""
    texts = [document.title, document.as_of, *document.notes, *document.labels.values()]
    texts += [*_foot_lines(document), "（）　/ "]
    texts += [
        f"{item.number} {item.label} {item.label_en}" for item in document.profile.emergency_numbers
    ]
    for entry in (*document.urgent, *document.entries):
        service = entry.service
        texts += [text_in(service, "name", document.language), service.contact_note, *entry.week]
        texts += [text_in(service.organization, "name", document.language)]
        texts += [text_in(service, "hours_note", document.language)]
        texts += [f"{c.value}{c.label}" for c in service.channels]
    return texts


def _styles(font_name: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=font_name, fontSize=9.5, leading=13.5, wordWrap="CJK")
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=11, textColor=GREY),
        "strong": ParagraphStyle("strong", parent=base, fontSize=11, leading=15),
        "name": ParagraphStyle("name", parent=base, fontSize=11.5, leading=16),
        "title": ParagraphStyle("title", parent=base, fontSize=16, leading=22, spaceAfter=2),
        "heading": ParagraphStyle("heading", parent=base, fontSize=11, leading=15),
    }
