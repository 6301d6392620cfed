"""The print-shop PDF: page boxes, 3 mm bleed, crop marks outside it, CMYK with text and QR code
in pure black ink, every font embedded, and a QR code that reads once it is cut."""

from __future__ import annotations

import base64
import ctypes
import io
import re
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image

import cards.fonts
from cards.design import CardDesign, default_design
from cards.files import CLI_FORMATS, FILES, PUBLIC_FILES, render
from cards.fonts import load_font
from cards.printshop import BLEED, PAGE_H, PAGE_W, bleed_box, print_marks, trim_box
from cards.render import render_print_shop_pdf
from core.config import DEFAULT_PROFILE
from core.profile import read_profile_file
from tests.test_cards_render import NATIONAL, NOTO, URL, decode, like_a_phone_camera

MM = 72 / 25.4  # points per millimetre
BASE_14 = (b"Helvetica", b"Times-", b"Courier", b"Symbol", b"ZapfDingbats")
SAMPLE_URL = "http://127.0.0.1:5000/c/k7q2m9abcd"


@pytest.fixture(scope="module")
def design() -> CardDesign:
    return replace(
        default_design(read_profile_file(DEFAULT_PROFILE), NATIONAL, ["0120-279-338"]),
        hours="毎日 17:00〜22:30",
    )


@pytest.fixture(scope="module")
def pdf(design: CardDesign) -> bytes:
    return render_print_shop_pdf(design, URL)


def streams(pdf: bytes) -> list[bytes]:
    """Every stream of the file, decompressed (reportlab writes no object streams)."""
    found = []
    for match in re.finditer(rb"(?<!end)stream\r?\n", pdf):
        head = pdf[pdf.rfind(b" obj", 0, match.start()) : match.start()]
        length = int(re.findall(rb"/Length (\d+)", head)[0])
        data = pdf[match.end() : match.end() + length]
        if b"ASCII85Decode" in head:
            data = base64.a85decode(data.strip().removesuffix(b"~>"))
        found.append(zlib.decompress(data) if b"FlateDecode" in head else data)
    return found


def page_contents(pdf: bytes) -> list[bytes]:
    return [s for s in streams(pdf) if b" cm" in s and (b" re" in s or b"BT" in s)]


def fill_before(content: bytes, index: int) -> bytes:
    """The last non-stroking colour operator before ``index`` in a content stream."""
    colours = re.findall(rb"(?:[\d.]+ ){3,4}(?:k|rg)|[\d.]+ g(?=\s)", content[:index])
    return colours[-1] if colours else b""


def rendered(pdf: bytes, page: int, dpi: int) -> Image.Image:
    return pdfium.PdfDocument(pdf)[page].render(scale=dpi / 72).to_pil().convert("RGB")


def at_mm(image: Image.Image, dpi: int, x: float, y: float) -> tuple[int, int, int]:
    return image.getpixel((round(x / 25.4 * dpi), round(y / 25.4 * dpi)))


def test_page_is_trim_plus_bleed_plus_marks_and_names_its_boxes(pdf: bytes) -> None:
    document = pdfium.PdfDocument(pdf)
    assert len(document) == 2  # front, back
    for page in document:
        assert page.get_mediabox() == pytest.approx((0, 0, PAGE_W * MM, PAGE_H * MM), abs=0.01)
        trim = page.get_trimbox(fallback_ok=False)
        bleed = page.get_bleedbox(fallback_ok=False)
        assert (trim[2] - trim[0], trim[3] - trim[1]) == pytest.approx((91 * MM, 55 * MM), abs=0.01)
        assert (bleed[2] - bleed[0], bleed[3] - bleed[1]) == pytest.approx(
            (97 * MM, 61 * MM), abs=0.01
        )
        assert bleed[0] == pytest.approx(trim[0] - 3 * MM, abs=0.01)
        assert bleed[1] == pytest.approx(trim[1] - 3 * MM, abs=0.01)
        assert bleed[0] > 0 and bleed[1] > 0  # room for the marks around the bleed
    assert BLEED == 3.0


def test_crop_marks_stay_outside_the_bleed_and_are_printed(pdf: bytes) -> None:
    left, top, right, bottom = bleed_box()
    marks = print_marks()
    assert len(marks) == 4 * 4 + 4 * 2  # double corner marks, and a cross at each side
    for x1, y1, x2, y2 in marks:
        for x, y in ((x1, y1), (x2, y2), ((x1 + x2) / 2, (y1 + y2) / 2)):
            assert 0 < x < PAGE_W and 0 < y < PAGE_H
            assert x <= left or x >= right or y <= top or y >= bottom, (x1, y1, x2, y2)
    trim_l, trim_t, trim_r, trim_b = trim_box()
    upright = {x1 for x1, _, x2, _ in marks if x1 == x2}
    level = {y1 for _, y1, _, y2 in marks if y1 == y2}
    assert {trim_l, trim_r, left, right} <= upright  # on the cut, and on the bleed's edge
    assert {trim_t, trim_b, top, bottom} <= level
    page = np.asarray(rendered(pdf, 0, 300).convert("L"))
    for x1, y1, x2, y2 in marks:
        x, y = (round((a + b) / 2 / 25.4 * 300) for a, b in ((x1, x2), (y1, y2)))
        assert page[y - 2 : y + 3, x - 2 : x + 3].min() < 128, (x1, y1, x2, y2)


def test_backgrounds_and_edge_bars_run_into_the_bleed(design: CardDesign) -> None:
    tinted = replace(design, background_color="#fff1c9")
    page = rendered(render_print_shop_pdf(tinted, URL), 1, 300)  # the back: few texts
    trim_l, trim_t, trim_r, trim_b = trim_box()
    middle_x, middle_y = (trim_l + trim_r) / 2, (trim_t + trim_b) / 2
    white = (255, 255, 255)
    # Just inside the bleed's edge on every side: the card's colour, not the paper's.
    assert at_mm(page, 300, trim_l - BLEED + 0.5, middle_y) != white  # the accent bar
    assert at_mm(page, 300, trim_l - BLEED + 0.5, middle_y) == at_mm(
        page, 300, trim_l + 1, middle_y
    )
    for x, y in (
        (trim_r + BLEED - 0.5, middle_y),
        (middle_x, trim_t - BLEED + 0.5),
        (middle_x, trim_b + BLEED - 0.5),
    ):
        assert at_mm(page, 300, x, y) != white
        assert at_mm(page, 300, x, y) == at_mm(page, 300, middle_x + 30, trim_b - 2)
    # Beyond the bleed, paper.
    assert at_mm(page, 300, trim_r + BLEED + 1, middle_y - 8) == white


def test_text_and_qr_code_are_pure_black_ink_and_nothing_is_rgb(pdf: bytes) -> None:
    contents = page_contents(pdf)
    assert len(contents) == 2
    for content in contents:
        tokens = content.split()
        assert not {b"rg", b"RG", b"g", b"G", b"sc", b"scn"} & set(tokens)  # CMYK only
        texts = [m.start() for m in re.finditer(rb"\bBT\b", content)]
        assert texts
        assert {fill_before(content, at) for at in texts} == {b"0 0 0 1 k"}
        assert b"1 1 1 1 K" in content  # the marks, in registration colour
    front = contents[0]
    # The QR code is the path with the most rectangles; its colour is K100 too.
    paths = re.split(rb"\n(?=[^\n]* k\n)", front)
    qr = max(paths, key=lambda part: part.count(b" re"))
    assert qr.count(b" re") > 100 and qr.startswith(b"0 0 0 1 k")


def test_every_font_is_embedded_and_no_base_14_font_is_referred_to(pdf: bytes) -> None:
    assert not any(name in pdf for name in BASE_14)
    fonts = re.findall(rb"/Type /Font\b", pdf)
    assert fonts and pdf.count(b"/FontFile2") >= 1
    checked = 0
    for page in pdfium.PdfDocument(pdf):
        for obj in page.get_objects():
            if obj.type != pdfium_c.FPDF_PAGEOBJ_TEXT:
                continue
            font = pdfium_c.FPDFTextObj_GetFont(obj.raw)
            assert pdfium_c.FPDFFont_GetIsEmbedded(font) == 1
            buffer = ctypes.create_string_buffer(256)
            pdfium_c.FPDFFont_GetFontName(font, buffer, 256)
            assert b"Helvetica" not in buffer.value
            checked += 1
    assert checked > 10


def test_the_cut_card_reads_as_a_phone_sees_it(pdf: bytes) -> None:
    dpi = 600
    page = rendered(pdf, 0, dpi)
    left, top, right, bottom = (round(v / 25.4 * dpi) for v in trim_box())
    card = page.crop((left, top, right, bottom))
    assert [b.text for b in decode(card)] == [URL]
    assert [b.text for b in decode(like_a_phone_camera(card))] == [URL]
    assert decode(rendered(pdf, 1, 200)) == []  # the back has no code


def test_the_front_keeps_its_texts(pdf: bytes) -> None:
    text = pdfium.PdfDocument(pdf)[0].get_textpage().get_text_bounded()
    assert "無料" in text and "匿名でも大丈夫" in text
    assert "LINEで相談できます" in text


def test_a_logo_is_separated_into_cmyk(design: CardDesign) -> None:
    logo = io.BytesIO()
    Image.new("RGB", (200, 100), "#e01010").save(logo, format="PNG")
    pdf = render_print_shop_pdf(replace(design, logo_png=logo.getvalue()), URL)
    assert b"/DeviceCMYK" in pdf and b"/DeviceRGB" not in pdf
    assert [b.text for b in decode(rendered(pdf, 0, 300))] == [URL]


def test_a_sample_print_shop_file_is_marked_and_still_reads(design: CardDesign) -> None:
    pdf = render_print_shop_pdf(design, SAMPLE_URL)
    for number in (0, 1):
        text = pdfium.PdfDocument(pdf)[number].get_textpage().get_text_bounded()
        assert "見本・配布しないでください" in text
    assert [b.text for b in decode(rendered(pdf, 0, 300))] == [SAMPLE_URL]
    assert not any(name in pdf for name in BASE_14)


def test_the_print_shop_file_is_offered_everywhere() -> None:
    assert CLI_FORMATS["print-shop"] == "print-shop.pdf"
    assert "print-shop.pdf" in PUBLIC_FILES
    assert FILES["print-shop.pdf"].mimetype == "application/pdf"


@pytest.mark.parametrize(
    "kind", [kind for kind, file in FILES.items() if file.mimetype == "application/pdf"]
)
def test_no_card_pdf_refers_to_a_base_14_font(design: CardDesign, kind: str) -> None:
    for url in (URL, SAMPLE_URL):
        body = render(design, url, kind)
        assert not any(name in body for name in BASE_14), kind
        assert b"/FontFile2" in body


def test_the_print_shop_file_works_with_the_fallback_font_too(design: CardDesign) -> None:
    if not NOTO.exists():
        pytest.fail("Noto Sans CJK is not installed: run `make test` (it installs fonts-noto-cjk)")
    pdf = render_print_shop_pdf(design, SAMPLE_URL, font_path=NOTO)
    assert not any(name in pdf for name in BASE_14)
    for page in pdfium.PdfDocument(pdf):
        for obj in page.get_objects():
            if obj.type == pdfium_c.FPDF_PAGEOBJ_TEXT:
                font = pdfium_c.FPDFTextObj_GetFont(obj.raw)
                assert pdfium_c.FPDFFont_GetIsEmbedded(font) == 1
    assert [b.text for b in decode(rendered(pdf, 0, 300))] == [SAMPLE_URL]


def test_without_biz_udp_gothic_the_fallbacks_follow_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    locations = cards.fonts.STANDARD_LOCATIONS
    assert [path.name for path in locations[:3]] == [
        "BIZUDPGothic-Regular.ttf",
        "BIZUDGothic-Regular.ttf",
        "ipaexg.ttf",
    ]
    monkeypatch.setattr(cards.fonts, "STANDARD_LOCATIONS", locations[1:])
    assert load_font().family == "BIZ UDGothic"
    monkeypatch.setattr(cards.fonts, "STANDARD_LOCATIONS", (Path("/nowhere.ttf"), NOTO))
    assert load_font().family == "Noto Sans CJK JP"
