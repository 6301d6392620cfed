"""An A4 sheet of ten business cards for 2×5 perforated stock, or plain paper with crop marks.

Common perforated business-card stock (A4, 91×55 mm cards, 14 mm side and 11 mm top and bottom
margins, no gaps) fixes the geometry. Page 2 holds the backs for long-edge duplex printing: the
sheet turns over around its long edge, so each card's back sits in the mirrored column.
"""

from __future__ import annotations

from typing import Literal

from reportlab.lib.colors import HexColor
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from cards.formats import BUSINESS, Rect
from cards.layout import BLACK, SAMPLE_COLOR, CardLayout
from cards.paint import paint_pdf
from cards.sample import SAMPLE_MARK

PAGE_W, PAGE_H = 210.0, 297.0
MARGIN_X, MARGIN_Y = 14.0, 11.0
COLUMNS, ROWS = 2, 5
CARD_W, CARD_H = float(BUSINESS.width), float(BUSINESS.height)
MARK_GAP, MARK_LENGTH = 2.0, 5.0  # crop marks start this far from the card edge
MARK_WIDTH_PT = 0.3
# A sample sheet also says so in its top and bottom margins, clear of the crop marks.
BANNER_SIZE_PT = 10.0
BANNER_LEFTS = (MARGIN_X + 6, MARGIN_X + CARD_W + 6)
BANNER_BASELINES = (MARGIN_Y - 3.5, PAGE_H - MARGIN_Y + 6.5)

Side = Literal["front", "back"]
Stock = Literal["perforated", "plain"]
Line = tuple[float, float, float, float]  # x1, y1, x2, y2 in mm


def sheet_slots(side: Side = "front") -> list[Rect]:
    """Card ``i``'s rectangle on the page (mm from the top left), for ``i`` in 0..9."""
    slots = []
    for index in range(COLUMNS * ROWS):
        row, column = divmod(index, COLUMNS)
        if side == "back":
            column = COLUMNS - 1 - column
        slots.append((MARGIN_X + column * CARD_W, MARGIN_Y + row * CARD_H, CARD_W, CARD_H))
    return slots


def crop_marks() -> list[Line]:
    """Short lines in the margins continuing every cut line, never touching a card."""
    right, bottom = MARGIN_X + COLUMNS * CARD_W, MARGIN_Y + ROWS * CARD_H
    marks: list[Line] = []
    for column in range(COLUMNS + 1):
        x = MARGIN_X + column * CARD_W
        marks.append((x, MARGIN_Y - MARK_GAP - MARK_LENGTH, x, MARGIN_Y - MARK_GAP))
        marks.append((x, bottom + MARK_GAP, x, bottom + MARK_GAP + MARK_LENGTH))
    for row in range(ROWS + 1):
        y = MARGIN_Y + row * CARD_H
        marks.append((MARGIN_X - MARK_GAP - MARK_LENGTH, y, MARGIN_X - MARK_GAP, y))
        marks.append((right + MARK_GAP, y, right + MARK_GAP + MARK_LENGTH, y))
    return marks


def draw_sheet_page(
    canvas: Canvas, layout: CardLayout, side: Side, stock: Stock, offset: tuple[float, float]
) -> None:
    """One page of the sheet, everything moved by the printer ``offset`` (mm, right and down)."""
    dx, dy = offset
    for x, y, w, h in sheet_slots(side):
        canvas.saveState()
        clip = canvas.beginPath()
        clip.rect((x + dx) * mm, (PAGE_H - y - dy - h) * mm, w * mm, h * mm)
        canvas.clipPath(clip, stroke=0, fill=0)
        paint_pdf(canvas, layout, (x + dx, y + dy), PAGE_H)
        canvas.restoreState()
    if layout.sample:
        _draw_banners(canvas, layout, offset)
    if stock == "plain":
        canvas.setStrokeColor(HexColor(BLACK))
        canvas.setLineWidth(MARK_WIDTH_PT)
        for x1, y1, x2, y2 in crop_marks():
            canvas.line(
                (x1 + dx) * mm, (PAGE_H - y1 - dy) * mm, (x2 + dx) * mm, (PAGE_H - y2 - dy) * mm
            )


def _draw_banners(canvas: Canvas, layout: CardLayout, offset: tuple[float, float]) -> None:
    dx, dy = offset
    canvas.saveState()
    canvas.setFillColor(HexColor(SAMPLE_COLOR))
    canvas.setFont(layout.font.pdf_name(SAMPLE_MARK), BANNER_SIZE_PT)
    for left in BANNER_LEFTS:
        for baseline in BANNER_BASELINES:
            canvas.drawString((left + dx) * mm, (PAGE_H - baseline - dy) * mm, SAMPLE_MARK)
    canvas.restoreState()
