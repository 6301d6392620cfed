"""A business card as a print shop wants it: 3 mm bleed, crop marks, CMYK, every font embedded.

Tell the shop 「トンボ付き・塗り足し3mm・CMYK」. Each page holds one face (page 1 the front,
page 2 the back) at its finished size of 91×55 mm, centred on a page 15 mm larger on every side:
3 mm of bleed, into which backgrounds and edge bars run so that a cut a little off the line
leaves no white sliver, and around it the marks. The PDF names the finished size (TrimBox) and
the bleed (BleedBox). Marks are Japanese-style corner marks (one line on the cut, one on the
bleed's edge) and centre marks, in registration colour so they appear on every plate, and they
never reach into the bleed. Text and the QR code are pure black ink (see `cards.paint`).
"""

from __future__ import annotations

import io

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from cards.design import CardDesign
from cards.formats import BUSINESS
from cards.layout import CardLayout
from cards.paint import paint_pdf, pdf_font_name

BLEED = 3.0  # mm beyond the cut that backgrounds run into
SLUG = 12.0  # mm beyond the bleed, for the marks
OFFSET = BLEED + SLUG  # the finished card's top left on the page
TRIM_W, TRIM_H = float(BUSINESS.width), float(BUSINESS.height)
PAGE_W, PAGE_H = TRIM_W + 2 * OFFSET, TRIM_H + 2 * OFFSET
MARK_LENGTH = 9.0  # mm, outwards from the bleed's edge
CENTRE_BAR = 6.0  # mm, the cross-bar of a centre mark
MARK_WIDTH_MM = 0.1
REGISTRATION = (1.0, 1.0, 1.0, 1.0)  # all four inks: marks print on every plate
NOTE = "トンボ付き・塗り足し3mm・CMYK"

Line = tuple[float, float, float, float]  # x1, y1, x2, y2 in mm from the page's top left
Box = tuple[float, float, float, float]  # left, top, right, bottom in mm


def trim_box() -> Box:
    return (OFFSET, OFFSET, OFFSET + TRIM_W, OFFSET + TRIM_H)


def bleed_box() -> Box:
    left, top, right, bottom = trim_box()
    return (left - BLEED, top - BLEED, right + BLEED, bottom + BLEED)


def print_marks() -> list[Line]:
    """Corner marks at the cut and at the bleed's edge, and a cross at each side's middle."""
    trim_l, trim_t, trim_r, trim_b = trim_box()
    bleed_l, bleed_t, bleed_r, bleed_b = bleed_box()
    marks: list[Line] = []
    for corner_x, out_x, cut_x in ((bleed_l, -1, trim_l), (bleed_r, 1, trim_r)):
        for corner_y, out_y, cut_y in ((bleed_t, -1, trim_t), (bleed_b, 1, trim_b)):
            end_x, end_y = corner_x + out_x * MARK_LENGTH, corner_y + out_y * MARK_LENGTH
            for y in (cut_y, corner_y):  # horizontal lines, outside the bleed to the side
                marks.append((end_x, y, corner_x, y))
            for x in (cut_x, corner_x):  # vertical lines, outside the bleed above or below
                marks.append((x, end_y, x, corner_y))
    middle_x, middle_y = (trim_l + trim_r) / 2, (trim_t + trim_b) / 2
    half, bar_at = CENTRE_BAR / 2, MARK_LENGTH / 2
    for edge, out in ((bleed_t, -1), (bleed_b, 1)):
        marks.append((middle_x, edge + out * MARK_LENGTH, middle_x, edge))
        marks.append((middle_x - half, edge + out * bar_at, middle_x + half, edge + out * bar_at))
    for edge, out in ((bleed_l, -1), (bleed_r, 1)):
        marks.append((edge + out * MARK_LENGTH, middle_y, edge, middle_y))
        marks.append((edge + out * bar_at, middle_y - half, edge + out * bar_at, middle_y + half))
    return marks


def print_shop_pdf(design: CardDesign, layouts: list[CardLayout]) -> bytes:
    """The front and back ``layouts`` (business size) as a print shop's PDF."""
    out = io.BytesIO()
    canvas = Canvas(
        out,
        pagesize=(PAGE_W * mm, PAGE_H * mm),
        invariant=True,
        initialFontName=pdf_font_name(layouts),
        enforceColorSpace="cmyk",  # any RGB colour left in the painters fails loudly
    )
    canvas.setTitle(design.window_name)
    canvas.setCreator("Tsunagu")
    canvas.setSubject(NOTE)
    canvas.setTrimBox(_points(trim_box()))
    canvas.setBleedBox(_points(bleed_box()))
    for layout in layouts:
        paint_pdf(canvas, layout, (OFFSET, OFFSET), PAGE_H, color_space="cmyk", bleed=BLEED)
        _draw_marks(canvas)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _draw_marks(canvas: Canvas) -> None:
    canvas.saveState()
    canvas.setStrokeColorCMYK(*REGISTRATION)
    canvas.setLineWidth(MARK_WIDTH_MM * mm)
    for x1, y1, x2, y2 in print_marks():
        canvas.line(x1 * mm, (PAGE_H - y1) * mm, x2 * mm, (PAGE_H - y2) * mm)
    canvas.restoreState()


def _points(box: Box) -> tuple[float, float, float, float]:
    """A box from the top left in mm as PDF wants it: from the bottom left, in points."""
    left, top, right, bottom = box
    return (left * mm, (PAGE_H - bottom) * mm, right * mm, (PAGE_H - top) * mm)
