"""QR codes drawn as inline SVG: no image request, nothing sent to a QR service."""

from __future__ import annotations

import qrcode
import qrcode.constants
import qrcode.image.svg
from markupsafe import Markup, escape


def qr_svg(data: str, label: str, *, css_class: str = "qr-code") -> Markup:
    image = qrcode.make(
        data,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=10,
        border=4,
    )
    svg = image.to_string(encoding="unicode")
    attributes = f'role="img" class="{escape(css_class)}" aria-label="{escape(label)}" '
    return Markup(svg.replace("<svg ", "<svg " + attributes, 1))  # noqa: S704  (library output)
