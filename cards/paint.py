"""Painting a laid-out card: vector onto a reportlab canvas, or raster into a Pillow image."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from PIL import Image, ImageDraw
from reportlab.lib.colors import HexColor
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from cards.layout import BLACK, CardLayout, FillRect, Picture, QrSymbol, TextRun

MM_PER_INCH = 25.4


@dataclass(frozen=True)
class QrPixels:
    """Where a QR symbol's modules fall in a raster: whole pixels each."""

    x: int  # left of the first module
    y: int
    module: int  # pixels per module
    modules: int


def paint_pdf(
    canvas: Canvas, layout: CardLayout, origin: tuple[float, float], page_h: float
) -> None:
    """Draw ``layout`` with its top left at ``origin`` (mm from the page's top left)."""
    ox, oy = origin

    def px(x: float) -> float:
        return (ox + x) * mm

    def py(y: float) -> float:
        return (page_h - oy - y) * mm

    texts = "".join(op.text for op in layout.ops if isinstance(op, TextRun))
    font_name = layout.font.pdf_name(texts) if texts else ""
    for op in layout.ops:
        if isinstance(op, FillRect):
            x, y, w, h = op.rect
            canvas.setFillColor(HexColor(op.color))
            canvas.rect(px(x), py(y + h), w * mm, h * mm, stroke=0, fill=1)
        elif isinstance(op, TextRun):
            canvas.setFillColor(HexColor(op.color))
            canvas.setFont(font_name, op.size)
            canvas.drawString(px(op.x), py(op.baseline), op.text)
        elif isinstance(op, QrSymbol):
            # One path of merged runs: crisp at any zoom, and no seams between modules.
            canvas.setFillColor(HexColor(BLACK))
            path = canvas.beginPath()
            for row, column, length in op.matrix.runs():
                left, top = op.x + column * op.module, op.y + (row + 1) * op.module
                path.rect(px(left), py(top), length * op.module * mm, op.module * mm)
            canvas.drawPath(path, stroke=0, fill=1)
        elif isinstance(op, Picture):
            x, y, w, h = op.rect
            reader = ImageReader(io.BytesIO(op.png))
            canvas.drawImage(reader, px(x), py(y + h), w * mm, h * mm, mask="auto")


def paint_image(layout: CardLayout, dpi: int) -> Image.Image:
    """The layout as an RGB image at ``dpi``."""
    scale = dpi / MM_PER_INCH
    size = (round(layout.width * scale), round(layout.height * scale))
    image = Image.new("RGB", size, "#ffffff")
    draw = ImageDraw.Draw(image)
    for op in layout.ops:
        if isinstance(op, FillRect):
            x, y, w, h = op.rect
            box = (
                round(x * scale),
                round(y * scale),
                round((x + w) * scale),
                round((y + h) * scale),
            )
            draw.rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=op.color)
        elif isinstance(op, TextRun):
            font = layout.font.pil_font(op.size * dpi / 72)
            at = (op.x * scale, op.baseline * scale)
            draw.text(at, op.text, fill=op.color, font=font, anchor="ls")
        elif isinstance(op, QrSymbol):
            _paint_modules(draw, op, qr_pixels(op, dpi))
        elif isinstance(op, Picture):
            _paste_picture(image, op, scale)
    return image


def qr_pixels(symbol: QrSymbol, dpi: int) -> QrPixels:
    """Snap the symbol to whole pixels: modules never larger than laid out, centred in place."""
    scale = dpi / MM_PER_INCH
    module = max(1, math.floor(symbol.module * scale + 1e-9))
    count = symbol.matrix.size
    spare = symbol.module * count * scale - module * count
    return QrPixels(
        round(symbol.x * scale + spare / 2), round(symbol.y * scale + spare / 2), module, count
    )


def _paint_modules(draw: ImageDraw.ImageDraw, symbol: QrSymbol, pixels: QrPixels) -> None:
    step = pixels.module
    for row, column, length in symbol.matrix.runs():
        left, top = pixels.x + column * step, pixels.y + row * step
        draw.rectangle((left, top, left + length * step - 1, top + step - 1), fill=BLACK)


def _paste_picture(image: Image.Image, picture: Picture, scale: float) -> None:
    x, y, w, h = picture.rect
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    with Image.open(io.BytesIO(picture.png)) as source:
        logo = source.convert("RGBA").resize(size, Image.Resampling.LANCZOS)
    image.paste(logo, (round(x * scale), round(y * scale)), logo)
