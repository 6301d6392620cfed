"""Painting a laid-out card: vector onto a reportlab canvas, or raster into a Pillow image.

The PDF painter speaks RGB for office printers, or CMYK for a print shop (`cards.printshop`):
there text darker than its background and the QR code are pure black ink (K100, no cyan,
magenta or yellow), since four inks never land exactly on top of each other and small text or
QR modules printed in all four come out blurred.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Literal

from PIL import Image, ImageChops, ImageDraw, ImageOps
from reportlab.lib.colors import HexColor, rgb2cmyk
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from cards.design import contrast_ratio
from cards.layout import (
    BLACK,
    CardLayout,
    FillRect,
    Picture,
    QrSymbol,
    TextRun,
    Watermark,
)

MM_PER_INCH = 25.4
WATERMARK_BASELINE = 0.35  # of the size below the centre: the text's middle sits on the centre
ColorSpace = Literal["rgb", "cmyk"]
K100 = (0.0, 0.0, 0.0, 1.0)


@dataclass(frozen=True)
class QrPixels:
    """Where a QR symbol's modules fall in a raster: whole pixels each."""

    x: int  # left of the first module
    y: int
    module: int  # pixels per module
    modules: int


def paint_pdf(
    canvas: Canvas,
    layout: CardLayout,
    origin: tuple[float, float],
    page_h: float,
    *,
    color_space: ColorSpace = "rgb",
    bleed: float = 0.0,
) -> None:
    """Draw ``layout`` with its top left at ``origin`` (mm from the page's top left).

    ``bleed`` (mm) extends every fill that touches the card's edge that far beyond it, so that
    a print shop's cut a little off the line leaves no white sliver.
    """
    ox, oy = origin
    ink = _Ink(canvas, color_space, layout)

    def px(x: float) -> float:
        return (ox + x) * mm

    def py(y: float) -> float:
        return (page_h - oy - y) * mm

    font_name = _font_name(layout)
    for op in layout.ops:
        if isinstance(op, FillRect):
            x, y, w, h = _bled(op.rect, layout, bleed)
            ink.fill(op.color)
            canvas.rect(px(x), py(y + h), w * mm, h * mm, stroke=0, fill=1)
        elif isinstance(op, TextRun):
            ink.text(op.color)
            canvas.setFont(font_name, op.size)
            canvas.drawString(px(op.x), py(op.baseline), op.text)
        elif isinstance(op, QrSymbol):
            # One path of merged runs: crisp at any zoom, and no seams between modules.
            ink.black()
            path = canvas.beginPath()
            for row, column, length in op.matrix.runs():
                left, top = op.x + column * op.module, op.y + (row + 1) * op.module
                path.rect(px(left), py(top), length * op.module * mm, op.module * mm)
            canvas.drawPath(path, stroke=0, fill=1)
        elif isinstance(op, Picture):
            x, y, w, h = op.rect
            image = _print_image(op.png, layout) if color_space == "cmyk" else op.png
            mask = None if color_space == "cmyk" else "auto"
            reader = ImageReader(io.BytesIO(image))
            canvas.drawImage(reader, px(x), py(y + h), w * mm, h * mm, mask=mask)
        elif isinstance(op, Watermark):
            canvas.saveState()
            canvas.translate(px(op.x), py(op.y))
            canvas.rotate(op.angle)
            ink.fill(op.color)
            canvas.setFillAlpha(op.opacity)  # after the colour, which would reset it
            canvas.setFont(font_name, op.size)
            canvas.drawCentredString(0, -op.size * WATERMARK_BASELINE, op.text)
            canvas.restoreState()


def _font_name(layout: CardLayout) -> str:
    texts = "".join(op.text for op in layout.ops if isinstance(op, TextRun | Watermark))
    return layout.font.pdf_name(texts) if texts else ""


def pdf_font_name(layouts: list[CardLayout]) -> str | None:
    """The embedded font the first page's text is set in: a canvas started in it refers to no
    other (reportlab otherwise starts every page in Helvetica, which a print shop refuses)."""
    names = [name for name in map(_font_name, layouts) if name]
    return names[0] if names else None


class _Ink:
    """Sets the fill colour in the canvas's colour space."""

    def __init__(self, canvas: Canvas, color_space: ColorSpace, layout: CardLayout) -> None:
        self.canvas = canvas
        self.cmyk = color_space == "cmyk"
        self.background = _background(layout)

    def fill(self, color: str) -> None:
        if self.cmyk:
            self.canvas.setFillColorCMYK(*_cmyk(color))
        else:
            self.canvas.setFillColor(HexColor(color))

    def text(self, color: str) -> None:
        # Dark text on a light card is K100; light text on a dark card keeps its colour.
        if self.cmyk and contrast_ratio(color, BLACK) < contrast_ratio(self.background, BLACK):
            self.canvas.setFillColorCMYK(*K100)
        else:
            self.fill(color)

    def black(self) -> None:
        if self.cmyk:
            self.canvas.setFillColorCMYK(*K100)
        else:
            self.canvas.setFillColor(HexColor(BLACK))


def _cmyk(color: str) -> tuple[float, float, float, float]:
    """A design colour in process inks, black taken out first (grey uses black ink only)."""
    red, green, blue = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return tuple(round(v, 4) for v in rgb2cmyk(red, green, blue))  # type: ignore[return-value]


def _background(layout: CardLayout) -> str:
    first = layout.ops[0] if layout.ops else None
    return first.color if isinstance(first, FillRect) else "#ffffff"


def _bled(rect: tuple[float, float, float, float], layout: CardLayout, bleed: float) -> tuple:
    """``rect`` grown by ``bleed`` on each side where it touches the card's edge."""
    x, y, w, h = rect
    if not bleed:
        return rect
    left, top = x - bleed if x <= 0 else x, y - bleed if y <= 0 else y
    right = x + w + bleed if x + w >= layout.width else x + w
    bottom = y + h + bleed if y + h >= layout.height else y + h
    return (left, top, right - left, bottom - top)


def _print_image(png: bytes, layout: CardLayout) -> bytes:
    """The logo flattened onto the card's background and separated into CMYK like the fills."""
    with Image.open(io.BytesIO(png)) as source:
        rgba = source.convert("RGBA")
    flat = Image.new("RGB", rgba.size, _background(layout))
    flat.paste(rgba, (0, 0), rgba)
    cyan, magenta, yellow = ImageOps.invert(flat).split()
    black = ImageChops.darker(ImageChops.darker(cyan, magenta), yellow)
    inks = [ImageChops.subtract(channel, black) for channel in (cyan, magenta, yellow)]
    out = io.BytesIO()
    Image.merge("CMYK", (*inks, black)).save(out, format="TIFF")
    return out.getvalue()


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
        elif isinstance(op, Watermark):
            _paint_watermark(image, layout, op, dpi)
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


def _paint_watermark(image: Image.Image, layout: CardLayout, mark: Watermark, dpi: int) -> None:
    font = layout.font.pil_font(mark.size * dpi / 72)
    size_px = mark.size * dpi / 72
    width = math.ceil(layout.font.width(mark.text, size_px)) + 2
    height = math.ceil(size_px * 1.4)
    layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    red, green, blue = (int(mark.color[i : i + 2], 16) for i in (1, 3, 5))
    baseline = height / 2 + size_px * WATERMARK_BASELINE
    fill = (red, green, blue, round(255 * mark.opacity))
    ImageDraw.Draw(layer).text((1, baseline), mark.text, fill=fill, font=font, anchor="ls")
    turned = layer.rotate(mark.angle, resample=Image.Resampling.BICUBIC, expand=True)
    scale = dpi / MM_PER_INCH
    at = (round(mark.x * scale - turned.width / 2), round(mark.y * scale - turned.height / 2))
    image.paste(turned, at, turned)
