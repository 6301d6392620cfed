"""Card formats and where each text, the QR code and the logo go, in millimetres from top left.

A box's ``field`` names the design field it prints (and that an overflow is blamed on); boxes
with a ``fixed`` text print that caption instead. Sizes are starting sizes in points: text that
does not fit shrinks down to 6 pt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Align = Literal["left", "center"]
Rect = tuple[float, float, float, float]  # x, y, width, height in mm


@dataclass(frozen=True)
class TextBox:
    field: str
    rect: Rect
    size: float
    align: Align = "left"
    fixed: str | None = None


@dataclass(frozen=True)
class SideSpec:
    boxes: tuple[TextBox, ...]
    bars: tuple[Rect, ...] = ()  # accent-coloured decoration
    qr: tuple[float, float, float] | None = None  # x, y, side of the square with quiet zone
    logo: Rect | None = None


@dataclass(frozen=True)
class CardFormat:
    name: str
    label: str  # Japanese, for staff
    width: float
    height: float
    sides: dict[str, SideSpec]


QR_CAPTION_SHORT = "読み取って相談"
QR_CAPTION = "スマートフォンで読み取ると相談できます"
EMERGENCY_TITLE = "いますぐ助けが必要なとき"
NATIONAL_TITLE = "全国の相談窓口"


def _back(x: float, width: float, rows: tuple[float, ...], sizes: tuple[float, ...]) -> SideSpec:
    """The back: emergency numbers, the section, national channels; ``rows`` are box tops."""
    fields = (
        ("emergency_title", EMERGENCY_TITLE),
        ("emergency", None),
        ("section_title", None),
        ("section_name", None),
        ("section_phone", None),
        ("national_title", NATIONAL_TITLE),
        ("national_channels", None),
    )
    boxes = tuple(
        TextBox(field, (x, top, width, bottom - top), size, fixed=fixed)
        for (field, fixed), top, bottom, size in zip(fields, rows, rows[1:], sizes, strict=False)
    )
    return SideSpec(boxes)


BUSINESS = CardFormat(
    "business",
    "名刺サイズ",
    91,
    55,
    {
        "front": SideSpec(
            boxes=(
                TextBox("window_name", (7, 5, 52, 10), 9.5),
                TextBox("message", (7, 16.5, 52, 16), 8),
                TextBox("channel", (7, 33.5, 52, 5), 7.5),
                TextBox("hours", (7, 38.5, 52, 7), 7),
                TextBox("name", (7, 46, 52, 5), 7),
                TextBox("qr_caption", (62, 30.5, 26, 4.5), 6.5, "center", QR_CAPTION_SHORT),
            ),
            bars=((0, 0, 3, 55),),
            qr=(62, 4, 26),
            logo=(62, 37, 26, 14),
        ),
        "back": SideSpec(
            boxes=_back(
                7,
                81,
                (4, 8.5, 20.5, 25, 29.5, 35.5, 40, 52),
                (7, 9, 7, 7.5, 8.5, 7, 7.5),
            ).boxes,
            bars=((0, 0, 3, 55),),
        ),
    },
)

POSTCARD = CardFormat(
    "postcard",
    "はがきサイズ",
    105,
    148,
    {
        "front": SideSpec(
            boxes=(
                TextBox("window_name", (10, 10, 68, 16), 14),
                TextBox("message", (10, 28, 85, 22), 11),
                TextBox("qr_caption", (10, 100, 85, 6), 9, "center", QR_CAPTION),
                TextBox("channel", (10, 110, 85, 7), 11, "center"),
                TextBox("hours", (10, 118, 85, 10), 9.5, "center"),
                TextBox("name", (10, 134, 85, 7), 10, "center"),
            ),
            bars=((0, 0, 105, 4),),
            qr=(30, 54, 45),
            logo=(80, 9, 17, 14),
        ),
        "back": SideSpec(
            boxes=_back(
                10,
                85,
                (12, 20, 46, 54, 61, 74, 82, 124),
                (11, 14, 11, 11, 13, 11, 11),
            ).boxes,
            bars=((0, 0, 105, 4),),
        ),
    },
)

POSTER = CardFormat(
    "poster",
    "A4ポスター",
    210,
    297,
    {
        "front": SideSpec(
            boxes=(
                TextBox("window_name", (16, 18, 140, 26), 26),
                TextBox("message", (16, 48, 178, 34), 20),
                TextBox("qr_caption", (16, 178, 178, 9), 14, "center", QR_CAPTION),
                TextBox("channel", (16, 189, 178, 11), 20, "center"),
                TextBox("hours", (16, 201, 178, 10), 15, "center"),
                TextBox("emergency_title", (16, 216, 85, 8), 13, fixed=EMERGENCY_TITLE),
                TextBox("emergency", (16, 225, 85, 27), 18),
                TextBox("section_title", (109, 216, 85, 8), 13),
                TextBox("section_name", (109, 225, 85, 9), 13),
                TextBox("section_phone", (109, 234, 85, 10), 16),
                TextBox("national_title", (16, 254, 178, 8), 13, fixed=NATIONAL_TITLE),
                TextBox("national_channels", (16, 263, 178, 19), 13),
                TextBox("name", (16, 284, 178, 8), 13),
            ),
            bars=((0, 0, 210, 10),),
            qr=(60, 86, 90),
            logo=(160, 16, 38, 26),
        ),
    },
)

FORMATS: dict[str, CardFormat] = {f.name: f for f in (BUSINESS, POSTCARD, POSTER)}
