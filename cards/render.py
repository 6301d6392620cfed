"""Rendering guidance cards: PNG for screens, PDF for printing in the office or at a print shop.

Every function takes the design, the URL the QR code opens, and optionally the font file
(``Settings.card_font_path``; empty searches the standard locations). They raise
`CardTextTooLong`, `GlyphsMissingError`, `FontMissing` or `UrlError` rather than print
anything a person could not read.
"""

from __future__ import annotations

import io
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from cards.design import CardDesign
from cards.fonts import load_font
from cards.layout import CardLayout, card_format, layout_card
from cards.paint import paint_image, paint_pdf, pdf_font_name
from cards.printshop import print_shop_pdf
from cards.sheet import PAGE_H, PAGE_W, Stock, draw_sheet_page, sheet_slots

PRINT_DPI = 600
PREVIEW_DPI = 150
DPI_RANGE = (72, 1200)
FontPath = str | Path | None

__all__ = [
    "PREVIEW_DPI",
    "PRINT_DPI",
    "card_layouts",
    "render_card_pdf",
    "render_png",
    "render_preview",
    "render_print_shop_pdf",
    "render_sheet_pdf",
    "sheet_slots",
]


def card_layouts(
    design: CardDesign, url: str, format: str = "business", *, font_path: FontPath = None
) -> list[CardLayout]:
    """Each side of the format laid out (front first): positions and sizes as data, in mm."""
    font = load_font(font_path)
    sides = card_format(format).sides
    return [layout_card(design, url, font, format=format, side=side) for side in sides]


def render_png(
    design: CardDesign,
    url: str,
    *,
    format: str = "business",
    side: str = "front",
    dpi: int = PRINT_DPI,
    font_path: FontPath = None,
) -> bytes:
    """One side as a PNG at ``dpi`` (600 for print), with the resolution recorded in the file."""
    if not DPI_RANGE[0] <= dpi <= DPI_RANGE[1]:
        raise ValueError(f"dpi must be between {DPI_RANGE[0]} and {DPI_RANGE[1]}, not {dpi}")
    layout = layout_card(design, url, load_font(font_path), format=format, side=side)
    out = io.BytesIO()
    paint_image(layout, dpi).save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def render_preview(
    design: CardDesign,
    url: str,
    *,
    format: str = "business",
    side: str = "front",
    font_path: FontPath = None,
) -> bytes:
    """A screen preview: the same PNG at 150 dpi."""
    return render_png(design, url, format=format, side=side, dpi=PREVIEW_DPI, font_path=font_path)


def render_card_pdf(
    design: CardDesign, url: str, format: str = "business", *, font_path: FontPath = None
) -> bytes:
    """A PDF whose pages are exactly the card's size: the front, then the back if it has one."""
    layouts = card_layouts(design, url, format, font_path=font_path)
    size = (layouts[0].width, layouts[0].height)
    out = io.BytesIO()
    canvas = _canvas(out, size, design, layouts)
    for layout in layouts:
        paint_pdf(canvas, layout, (0, 0), layout.height)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def render_print_shop_pdf(design: CardDesign, url: str, *, font_path: FontPath = None) -> bytes:
    """One business card for a print shop: CMYK, 3 mm bleed, crop marks (`cards.printshop`)."""
    return print_shop_pdf(design, card_layouts(design, url, "business", font_path=font_path))


def render_sheet_pdf(
    design: CardDesign,
    url: str,
    *,
    stock: Stock = "perforated",
    offset_mm: tuple[float, float] = (0.0, 0.0),
    back_offset_mm: tuple[float, float] | None = None,
    font_path: FontPath = None,
) -> bytes:
    """Ten business cards on A4: page 1 fronts, page 2 backs for long-edge duplex printing.

    ``offset_mm`` moves all artwork right and down to make up for the printer's own offset;
    ``back_offset_mm`` (default: the same) does that for the back page, where duplex units
    often differ. ``stock="plain"`` adds crop marks in the margins for cutting plain paper.
    """
    if stock not in ("perforated", "plain"):
        raise ValueError(f"stock must be 'perforated' or 'plain', not {stock!r}")
    front, back = card_layouts(design, url, "business", font_path=font_path)
    out = io.BytesIO()
    canvas = _canvas(out, (PAGE_W, PAGE_H), design, [front, back])
    draw_sheet_page(canvas, front, "front", stock, offset_mm)
    canvas.showPage()
    draw_sheet_page(canvas, back, "back", stock, back_offset_mm or offset_mm)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _canvas(
    out: io.BytesIO, size_mm: tuple[float, float], design: CardDesign, layouts: list[CardLayout]
) -> Canvas:
    # invariant: no timestamps or random IDs, so the same card gives the same bytes.
    canvas = Canvas(
        out,
        pagesize=(size_mm[0] * mm, size_mm[1] * mm),
        invariant=True,
        initialFontName=pdf_font_name(layouts),
    )
    canvas.setTitle(design.window_name)
    canvas.setCreator("Tsunagu")
    return canvas
