"""Card formats and where each text, the QR code and the logo go, in millimetres from top left.

A box's ``field`` names the design field it prints (and that an overflow is blamed on); boxes
with a ``fixed`` text print that caption instead. Sizes are starting sizes in points: text that
does not fit shrinks down to 6 pt.

The front says, in this order, what a person holding the card needs: an invitation to talk
(``message``), that it is free and may be anonymous (``promise``), what the QR code does
(``how``: the window's channel), when someone answers (``hours``), and only then, small, the
window's official name (``window_name``), which says little to a resident.
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


PROMISE = "相談は無料、匿名でも大丈夫です"
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
                TextBox("message", (7, 4, 52, 13.5), 9),
                TextBox("promise", (7, 18, 52, 5), 8.5, fixed=PROMISE),
                TextBox("how", (7, 24, 52, 9), 8.5),
                TextBox("hours", (7, 33.5, 52, 11.5), 8),
                TextBox("window_name", (7, 45.5, 52, 6), 6.5),
            ),
            bars=((0, 0, 3, 55),),
            qr=(62, 4, 26),
            logo=(62, 34, 26, 17),
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
                TextBox("window_name", (10, 9, 68, 9), 9.5),
                TextBox("message", (10, 19, 85, 22), 12),
                TextBox("promise", (10, 42, 85, 8), 11, fixed=PROMISE),
                TextBox("how", (10, 98, 85, 14), 11, "center"),
                TextBox("hours", (10, 113, 85, 17), 10, "center"),
                TextBox("name", (10, 134, 85, 7), 10, "center"),
            ),
            bars=((0, 0, 105, 4),),
            qr=(30, 51, 45),
            logo=(80, 7, 17, 12),
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
                TextBox("window_name", (16, 16, 140, 12), 14),
                TextBox("message", (16, 30, 178, 34), 22),
                TextBox("promise", (16, 66, 178, 14), 20, "center", fixed=PROMISE),
                TextBox("how", (16, 176, 178, 22), 18, "center"),
                TextBox("hours", (16, 198, 178, 16), 14, "center"),
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
            qr=(62, 84, 86),
            logo=(160, 16, 38, 26),
        ),
    },
)

FORMATS: dict[str, CardFormat] = {f.name: f for f in (BUSINESS, POSTCARD, POSTER)}
