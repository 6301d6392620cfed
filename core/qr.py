"""QR codes drawn as inline SVG: no image request, nothing sent to a QR service.

A public web address is drawn once per process (`functools.lru_cache`, bounded): a service
page's address never changes, and drawing its code took longer than the rest of the page.
Anything else is drawn every time and kept nowhere: a second-factor enrolment URI
(``otpauth://``) carries its secret, which must not stay in memory after its page is sent.
"""

from __future__ import annotations

from functools import lru_cache

import qrcode
import qrcode.constants
import qrcode.image.svg
from markupsafe import Markup, escape

REMEMBERED_SCHEMES = ("https://", "http://")
REMEMBERED_CODES = 2048  # a city's directory has a few hundred pages; each SVG is a few KiB


def qr_svg(data: str, label: str, *, css_class: str = "qr-code") -> Markup:
    if data.startswith(REMEMBERED_SCHEMES):
        return _remembered(data, label, css_class)
    return _draw(data, label, css_class)


@lru_cache(maxsize=REMEMBERED_CODES)
def _remembered(data: str, label: str, css_class: str) -> Markup:
    return _draw(data, label, css_class)


def _draw(data: str, label: str, css_class: str) -> Markup:
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
