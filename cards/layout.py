"""A card side laid out as drawing operations in millimetres, ready for the PDF or PNG painter.

Everything about where things go is decided here, once, so that the PDF and the PNG of a card
agree and tests can check positions and sizes as numbers.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from PIL import Image

from cards.design import LIMITS, MAX_ITEMS, CardDesign, answers_all_day, field_label
from cards.fonts import CardFont
from cards.formats import FORMATS, CardFormat, Rect, TextBox
from cards.qr_matrix import MIN_MODULE_MM, QUIET_ZONE, QrMatrix, UrlError, qr_matrix
from cards.sample import SAMPLE_MARK, is_public
from cards.textfit import LEADING, fit

MM_PER_PT = 25.4 / 72
WHITE = "#ffffff"
BLACK = "#000000"
ALL_DAY = "24時間"
SAMPLE_COLOR = "#c8102e"
SAMPLE_OPACITY = 0.35  # light enough that the card, and its QR code, still read
SAMPLE_SPAN = 0.8  # of the card's diagonal
# A box prints a text composed around a design field; an overflow is blamed on that field.
BLAMED = {"section_title": "name", "how": "channel"}


class CardTextTooLong(ValueError):  # noqa: N818  (the name the card API documents)
    """A text does not fit its box even at 6 pt; the message names the field and its limit."""

    def __init__(self, field: str, limit: int) -> None:
        self.field = field
        self.limit = limit
        label = field_label(field)
        if field in MAX_ITEMS:
            rule = f"1件につき{limit}文字以内、{MAX_ITEMS[field]}件までにしてください"
        else:
            rule = f"{limit}文字以内にしてください"
        super().__init__(f"「{label}」が長すぎて、カードの枠に収まりません。{rule}。")


@dataclass(frozen=True)
class FillRect:
    rect: Rect
    color: str


@dataclass(frozen=True)
class TextRun:
    x: float  # left end of the line
    baseline: float
    text: str
    size: float  # points
    color: str


@dataclass(frozen=True)
class QrSymbol:
    x: float  # top left of the first module, inside the quiet zone
    y: float
    module: float  # mm
    matrix: QrMatrix


@dataclass(frozen=True)
class Picture:
    rect: Rect
    png: bytes


@dataclass(frozen=True)
class Watermark:
    """Text across the card, centred at (x, y) and turned ``angle`` degrees anticlockwise."""

    x: float
    y: float
    angle: float
    text: str
    size: float  # points
    color: str
    opacity: float


Op = FillRect | TextRun | QrSymbol | Picture | Watermark


@dataclass(frozen=True)
class QrPlacement:
    x: float  # top left of the quiet zone
    y: float
    module: float
    modules: int  # modules across the symbol, without the quiet zone
    quiet_zone: int = QUIET_ZONE

    @property
    def side(self) -> float:
        return self.module * (self.modules + 2 * self.quiet_zone)


@dataclass(frozen=True)
class CardLayout:
    format: str
    side: str
    width: float
    height: float
    ops: tuple[Op, ...]
    font: CardFont
    qr: QrPlacement | None

    @property
    def sample(self) -> bool:
        return any(isinstance(op, Watermark) for op in self.ops)


def card_format(name: str) -> CardFormat:
    if name not in FORMATS:
        raise ValueError(f"unknown card format {name!r}; one of {', '.join(FORMATS)}")
    return FORMATS[name]


def layout_card(
    design: CardDesign, url: str, font: CardFont, *, format: str = "business", side: str = "front"
) -> CardLayout:
    """Lay out one side; raises `CardTextTooLong`, `GlyphsMissingError` or `UrlError`.

    A card whose ``url`` is not a public https address is a sample: 「見本・配布しないでくだ
    さい」 crosses it, over everything but the QR code's dark modules, so that a developer can
    still try the code.
    """
    spec_format = card_format(format)
    if side not in spec_format.sides:
        raise ValueError(f"the {format} format has no side {side!r}")
    spec = spec_format.sides[side]
    ops: list[Op] = [
        FillRect((0, 0, spec_format.width, spec_format.height), design.background_color)
    ]
    ops += [FillRect(bar, design.accent_color) for bar in spec.bars]
    texts = box_texts(design, two_sided=len(spec_format.sides) > 1)
    for box in spec.boxes:
        text = box.fixed if box.fixed is not None else texts.get(box.field, "")
        if text:
            ops += _text_ops(box, text, font, design.text_color)
    placement = None
    if spec.qr is not None:
        matrix = qr_matrix(url)
        placement = _place_qr(matrix, *spec.qr)
        ops += _qr_ops(placement, matrix)
    if spec.logo is not None and design.logo_png:
        ops.append(Picture(_fit_logo(design.logo_png, spec.logo), design.logo_png))
    if not is_public(url):
        ops.append(_watermark(spec_format, font))
        # The code's dark modules once more on top: the tint over its light modules stays
        # light, so the code reads as well as without the mark.
        ops += [op for op in ops if isinstance(op, QrSymbol)]
    return CardLayout(
        format, side, spec_format.width, spec_format.height, tuple(ops), font, placement
    )


def box_texts(design: CardDesign, *, two_sided: bool = True) -> dict[str, str]:
    """The text of each field as printed: composed in plain Japanese around the design's values.

    ``two_sided``: the 24-hour numbers are on the back, so the front may send people there.
    """
    texts = {
        "window_name": design.window_name,
        "message": design.message,
        "how": f"QRコードを読み取ると、\n{design.channel}で相談できます" if design.channel else "",
        "hours": _hours(design, two_sided),
        "name": design.name,
        "emergency": "\n".join(
            _numbered(number, label, design) for label, number in design.emergency
        ),
        "section_title": f"{design.name}の相談窓口",
        "section_name": design.section_name,
        "section_phone": f"電話 {design.section_phone}",
        "national_channels": "\n".join(
            _numbered(contact, name, design, number_first=False)
            for name, contact in design.national_channels
        ),
    }
    if not design.national_channels:
        texts["national_title"] = ""
    return texts


def _hours(design: CardDesign, two_sided: bool) -> str:
    # Hours not known yet: the page the code opens shows them once they are.
    when = f"受付：{design.hours}" if design.hours else "受付時間は、読み取るとわかります"
    if ALL_DAY in design.hours:
        return when
    where = "裏面の" if two_sided else ""
    return f"{when}\n時間外は、{where}{ALL_DAY}の番号へ"


def _numbered(number: str, name: str, design: CardDesign, *, number_first: bool = True) -> str:
    line = f"{number}　{name}" if number_first else f"{name}　{number}"
    return f"{line}（{ALL_DAY}）" if answers_all_day(design, number) else line


def _text_ops(box: TextBox, text: str, font: CardFont, color: str) -> list[TextRun]:
    font.check(text, field_label(_blamed(box.field)), _blamed(box.field))
    x, y, width, height = box.rect
    fitted = fit(text, width / MM_PER_PT, height / MM_PER_PT, box.size, font.width)
    if fitted is None:
        field = _blamed(box.field)
        raise CardTextTooLong(field, LIMITS.get(field, 0))
    size, pitch = fitted.size, fitted.size * LEADING * MM_PER_PT
    top_gap = (pitch - fitted.size * MM_PER_PT) / 2 + font.ascent * fitted.size * MM_PER_PT
    runs = []
    for number, line in enumerate(fitted.lines):
        left = x
        if box.align == "center":
            left = x + (width - font.width(line, size) * MM_PER_PT) / 2
        runs.append(TextRun(left, y + number * pitch + top_gap, line, size, color))
    return runs


def _blamed(box_field: str) -> str:
    """The design field a box's text comes from (the section title prints the name)."""
    return BLAMED.get(box_field, box_field)


def _watermark(spec: CardFormat, font: CardFont) -> Watermark:
    """「見本・配布しないでください」 along the card's rising diagonal, most of its length."""
    diagonal = math.hypot(spec.width, spec.height)
    size = SAMPLE_SPAN * diagonal / MM_PER_PT / (font.width(SAMPLE_MARK, 1) or 1)
    angle = math.degrees(math.atan2(spec.height, spec.width))
    font.check(SAMPLE_MARK)
    return Watermark(
        spec.width / 2, spec.height / 2, angle, SAMPLE_MARK, size, SAMPLE_COLOR, SAMPLE_OPACITY
    )


def _place_qr(matrix: QrMatrix, x: float, y: float, side: float) -> QrPlacement:
    module = side / matrix.size_with_quiet_zone
    if module < MIN_MODULE_MM:
        raise UrlError("URLが長すぎて、QRコードの点が小さくなりすぎます。短いURLにしてください。")
    return QrPlacement(x, y, module, matrix.size)


def _qr_ops(placement: QrPlacement, matrix: QrMatrix) -> list[Op]:
    # Always dark on white, whatever the design's colours: that is what phone readers expect.
    quiet = placement.quiet_zone * placement.module
    return [
        FillRect((placement.x, placement.y, placement.side, placement.side), WHITE),
        QrSymbol(placement.x + quiet, placement.y + quiet, placement.module, matrix),
    ]


def _fit_logo(png: bytes, box: Rect) -> Rect:
    """The logo's rectangle: as large as fits in ``box``, aspect kept, centred."""
    with Image.open(io.BytesIO(png)) as image:
        width, height = image.size
    x, y, box_w, box_h = box
    scale = min(box_w / width, box_h / height)
    w, h = width * scale, height * scale
    return (x + (box_w - w) / 2, y + (box_h - h) / 2, w, h)
