"""Card rendering, checked with a real QR decoder, real rasterising and measured numbers."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
import zxingcpp
from fontTools import subset
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFilter

import cards.fonts
from cards.design import (
    LIMITS,
    MAX_ITEMS,
    CardDesign,
    contrast_ratio,
    default_design,
    validate_design,
)
from cards.fonts import FontMissing, GlyphsMissingError, load_font
from cards.formats import FORMATS
from cards.layout import CardTextTooLong, TextRun, box_texts, layout_card
from cards.paint import qr_pixels
from cards.qr_matrix import MIN_MODULE_MM, QUIET_ZONE, UrlError
from cards.render import (
    card_layouts,
    render_card_pdf,
    render_png,
    render_preview,
    render_sheet_pdf,
    sheet_slots,
)
from cards.sheet import crop_marks
from cards.textfit import MIN_SIZE_PT, NO_LINE_START, wrap
from core.config import DEFAULT_PROFILE, load_settings
from core.profile import read_profile_file

URL = "https://sodan.city.kyotango.lg.jp/c/k7q2m9abcd"  # public: no sample mark
NATIONAL = (
    ("こころの健康相談統一ダイヤル", "0570-064-556"),
    ("自殺予防いのちの電話（フリーダイヤル）", "0120-783-556"),
    ("よりそいホットライン", "0120-279-338"),
)
MM_PER_INCH = 25.4
NOTO = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


@pytest.fixture(scope="module")
def design() -> CardDesign:
    return replace(
        default_design(read_profile_file(DEFAULT_PROFILE), NATIONAL), hours="毎日 17:00〜22:30"
    )


@pytest.fixture(scope="module")
def card_png(design: CardDesign) -> Image.Image:
    return Image.open(io.BytesIO(render_png(design, URL)))


@pytest.fixture(scope="module")
def sheet(design: CardDesign) -> bytes:
    return render_sheet_pdf(design, URL)


def decode(image: Image.Image) -> list[zxingcpp.Barcode]:
    return zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)


def pages(pdf: bytes, dpi: float) -> list[Image.Image]:
    document = pdfium.PdfDocument(pdf)
    return [page.render(scale=dpi / 72).to_pil() for page in document]


def page_sizes_pt(pdf: bytes) -> list[tuple[float, float]]:
    return [tuple(page.get_size()) for page in pdfium.PdfDocument(pdf)]


def like_a_phone_camera(image: Image.Image, width_px: int = 480) -> Image.Image:
    """Roughly what a phone sees: small, soft, tilted, grainy and a little dim."""
    small = image.convert("L").resize(
        (width_px, round(width_px * image.height / image.width)), Image.Resampling.BILINEAR
    )
    soft = small.filter(ImageFilter.GaussianBlur(1.0))
    tilted = soft.rotate(7, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=110)
    pixels = np.asarray(tilted, dtype=np.float32) * 0.85 + 15
    noise = np.random.default_rng(20261126).normal(0, 10, pixels.shape)
    return Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))


def centre_px(barcode: zxingcpp.Barcode) -> tuple[float, float]:
    corners = [
        barcode.position.top_left,
        barcode.position.top_right,
        barcode.position.bottom_left,
        barcode.position.bottom_right,
    ]
    return sum(p.x for p in corners) / 4, sum(p.y for p in corners) / 4


# QR codes decode from every output


def test_print_png_is_600_dpi_card_size_and_decodes(card_png: Image.Image) -> None:
    assert card_png.size == (round(91 / MM_PER_INCH * 600), round(55 / MM_PER_INCH * 600))
    assert card_png.info["dpi"] == pytest.approx((600, 600), abs=0.05)
    assert [b.text for b in decode(card_png)] == [URL]


def test_preview_png_decodes(design: CardDesign) -> None:
    preview = Image.open(io.BytesIO(render_preview(design, URL)))
    assert preview.info["dpi"] == pytest.approx((150, 150), abs=0.05)
    assert preview.width == round(91 / MM_PER_INCH * 150)
    assert [b.text for b in decode(preview)] == [URL]


@pytest.mark.parametrize(
    ("format", "size_mm", "dpi"),
    [("business", (91, 55), 200), ("postcard", (105, 148), 150), ("poster", (210, 297), 72)],
)
def test_card_pdf_pages_are_the_card_size_and_the_front_decodes(
    design: CardDesign, format: str, size_mm: tuple[int, int], dpi: int
) -> None:
    pdf = render_card_pdf(design, URL, format)
    expected = tuple(v / MM_PER_INCH * 72 for v in size_mm)
    sizes = page_sizes_pt(pdf)
    assert len(sizes) == len(FORMATS[format].sides)
    assert all(size == pytest.approx(expected, abs=0.01) for size in sizes)
    front, *backs = pages(pdf, dpi)
    assert [b.text for b in decode(front)] == [URL]
    assert all(decode(back) == [] for back in backs)


def test_print_png_decodes_as_a_phone_camera_sees_it(card_png: Image.Image) -> None:
    photo = like_a_phone_camera(card_png)
    assert photo.width < 600
    assert [b.text for b in decode(photo)] == [URL]


def test_card_pdf_decodes_as_a_phone_camera_sees_it(design: CardDesign) -> None:
    front = pages(render_card_pdf(design, URL, "business"), 300)[0]
    assert [b.text for b in decode(like_a_phone_camera(front))] == [URL]


def test_poster_decodes_from_across_the_room(design: CardDesign) -> None:
    poster = pages(render_card_pdf(design, URL, "poster"), 72)[0]
    assert [b.text for b in decode(like_a_phone_camera(poster, width_px=420))] == [URL]


# QR size and quiet zone


@pytest.mark.parametrize("format", list(FORMATS))
def test_layout_qr_modules_are_large_enough_with_a_four_module_quiet_zone(
    design: CardDesign, format: str
) -> None:
    front = card_layouts(design, URL, format)[0]
    qr = front.qr
    assert qr is not None
    assert qr.module >= MIN_MODULE_MM
    assert qr.quiet_zone == QUIET_ZONE == 4
    assert qr.x >= 0 and qr.x + qr.side <= front.width
    assert qr.y >= 0 and qr.y + qr.side <= front.height


def test_raster_qr_modules_are_whole_pixels_and_quiet_zone_is_clear(
    design: CardDesign, card_png: Image.Image
) -> None:
    front = card_layouts(design, URL)[0]
    assert front.qr is not None
    scale = 600 / MM_PER_INCH
    zone = (
        round(front.qr.x * scale),
        round(front.qr.y * scale),
        round((front.qr.x + front.qr.side) * scale),
        round((front.qr.y + front.qr.side) * scale),
    )
    square = card_png.convert("L").crop(zone)
    dark = square.point(lambda v: 255 if v < 128 else 0)
    left, top, right, bottom = dark.getbbox()
    symbol_px = right - left
    assert symbol_px == bottom - top
    assert symbol_px % front.qr.modules == 0  # modules on whole pixels
    module_px = symbol_px // front.qr.modules
    assert module_px / 600 * MM_PER_INCH >= MIN_MODULE_MM
    margins = (left, top, square.width - right, square.height - bottom)
    assert min(margins) >= QUIET_ZONE * module_px
    symbol = np.asarray(square.crop((left, top, right, bottom)))
    assert set(np.unique(symbol)) <= {0, 255}  # crisp: no grey edges


def test_raster_modules_never_below_one_pixel_at_low_dpi(design: CardDesign) -> None:
    front = card_layouts(design, URL)[0]
    symbol = next(op for op in front.ops if type(op).__name__ == "QrSymbol")
    assert qr_pixels(symbol, 72).module >= 1
    assert qr_pixels(symbol, 600).module * front.qr.modules <= round(
        front.qr.module * front.qr.modules * 600 / MM_PER_INCH
    )


def test_pdf_qr_is_vector_paths_not_an_image(design: CardDesign) -> None:
    document = pdfium.PdfDocument(render_card_pdf(design, URL, "business"))
    kinds = [obj.type for obj in document[0].get_objects()]
    assert pdfium.raw.FPDF_PAGEOBJ_IMAGE not in kinds
    assert pdfium.raw.FPDF_PAGEOBJ_PATH in kinds


def test_pdf_embeds_the_font_and_keeps_the_text(design: CardDesign) -> None:
    pdf = render_card_pdf(design, URL, "business")
    assert b"/FontFile2" in pdf  # an embedded TrueType subset
    text = pdfium.PdfDocument(pdf)[0].get_textpage().get_text_bounded()
    assert "京丹後市" in text
    assert "相談" in text


def test_same_design_gives_the_same_pdf(design: CardDesign) -> None:
    assert render_card_pdf(design, URL) == render_card_pdf(design, URL)


def test_url_must_be_http_and_short_enough(design: CardDesign) -> None:
    with pytest.raises(UrlError, match="https://"):
        render_png(design, "javascript:alert(1)", dpi=72)
    with pytest.raises(UrlError, match="URL"):
        render_png(design, "https://example.org/" + "x" * 1500, dpi=72)


# The A4 sheet of ten


def test_sheet_pages_are_a4(sheet: bytes) -> None:
    sizes = page_sizes_pt(sheet)
    assert len(sizes) == 2
    assert all((round(w), round(h)) == (595, 842) for w, h in sizes)


def test_sheet_slots_match_perforated_stock() -> None:
    fronts = sheet_slots("front")
    expected = [(14 + 91 * col, 11 + 55 * row, 91, 55) for row in range(5) for col in range(2)]
    assert fronts == expected
    assert min(x for x, *_ in fronts) == 14 and max(x + w for x, _, w, _ in fronts) == 210 - 14
    assert min(y for _, y, *_ in fronts) == 11 and max(y + h for _, y, _, h in fronts) == 297 - 11


def test_back_slots_mirror_the_columns_for_long_edge_duplex() -> None:
    for (fx, fy, fw, fh), (bx, by, bw, bh) in zip(
        sheet_slots("front"), sheet_slots("back"), strict=True
    ):
        assert (by, bw, bh) == (fy, fw, fh)
        assert bx == pytest.approx(210 - fx - fw)  # turned over around the long edge
        assert bx != fx


def qr_centres_mm(page: Image.Image, dpi: float) -> list[tuple[float, float]]:
    found = decode(page)
    assert [b.text for b in found] == [URL] * len(found)
    return [(x / dpi * MM_PER_INCH, y / dpi * MM_PER_INCH) for x, y in map(centre_px, found)]


def expected_qr_centres_mm(design: CardDesign, offset: tuple[float, float] = (0, 0)) -> list:
    qr = card_layouts(design, URL)[0].qr
    assert qr is not None
    return [
        (x + offset[0] + qr.x + qr.side / 2, y + offset[1] + qr.y + qr.side / 2)
        for x, y, _, _ in sheet_slots("front")
    ]


def test_all_ten_codes_decode_where_the_slots_put_them(design: CardDesign, sheet: bytes) -> None:
    front, back = pages(sheet, 150)
    assert_same_points(qr_centres_mm(front, 150), expected_qr_centres_mm(design), 0.6)
    assert decode(back) == []


def assert_same_points(found: list, expected: list, tolerance: float) -> None:
    """Each expected point has exactly one found point within ``tolerance`` mm, and no more."""
    assert len(found) == len(expected) == 10
    for want in expected:
        near = [
            got for got in found if max(abs(got[0] - want[0]), abs(got[1] - want[1])) <= tolerance
        ]
        assert len(near) == 1, f"{want} matched {near}"


def accent_bar_lefts_mm(page: Image.Image, dpi: float, color: str) -> list[float]:
    """Left edges of accent-coloured runs along the middle row of each card row."""
    rgb = np.asarray(page.convert("RGB")).astype(int)
    target = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)])
    lefts = []
    for _, y, _, h in sheet_slots("front")[::2]:
        row = rgb[round((y + h / 2) / MM_PER_INCH * dpi)]
        hits = np.flatnonzero(np.abs(row - target).sum(axis=1) < 30)
        starts = hits[np.insert(np.diff(hits) > 1, 0, True)]
        lefts += [round(x / dpi * MM_PER_INCH, 1) for x in starts]
    return lefts


def test_back_page_shows_the_back_of_each_card_in_its_slot(
    design: CardDesign, sheet: bytes
) -> None:
    back = pages(sheet, 150)[1]
    lefts = accent_bar_lefts_mm(back, 150, design.accent_color)
    assert sorted(lefts) == pytest.approx(sorted(x for x, *_ in sheet_slots("back")), abs=0.3)
    text = pdfium.PdfDocument(sheet)[1].get_textpage().get_text_bounded()
    assert text.count("いますぐ助けが必要なとき") == 10


def test_printer_offset_moves_the_artwork(design: CardDesign, sheet: bytes) -> None:
    moved = render_sheet_pdf(design, URL, offset_mm=(2.0, -1.5), back_offset_mm=(-1.0, 0.5))
    front, back = pages(moved, 150)
    assert_same_points(qr_centres_mm(front, 150), expected_qr_centres_mm(design, (2.0, -1.5)), 0.6)
    lefts = accent_bar_lefts_mm(back, 150, design.accent_color)
    assert sorted(lefts) == pytest.approx(sorted(x - 1.0 for x, *_ in sheet_slots("back")), abs=0.3)


def test_plain_stock_has_crop_marks_only_in_the_margins(design: CardDesign, sheet: bytes) -> None:
    marks = crop_marks()
    cut_x, cut_y = {14.0, 105.0, 196.0}, {11.0 + 55 * row for row in range(6)}
    for x1, y1, x2, y2 in marks:
        assert (x1 == x2 and x1 in cut_x) or (y1 == y2 and y1 in cut_y)
        for x, y, w, h in sheet_slots("front"):  # never inside a card
            assert not (x < (x1 + x2) / 2 < x + w and y < (y1 + y2) / 2 < y + h)
        assert all(0 < v < 210 for v in (x1, x2)) and all(0 < v < 297 for v in (y1, y2))
    assert len(marks) == 2 * 3 + 2 * 6

    def ink_at_marks(pdf: bytes) -> int:
        page = np.asarray(pages(pdf, 300)[0].convert("L"))
        inked = 0
        for x1, y1, x2, y2 in marks:  # the darkest pixel within 0.25 mm of the mark's middle
            x, y = (round((a + b) / 2 / MM_PER_INCH * 300) for a, b in ((x1, x2), (y1, y2)))
            inked += page[y - 3 : y + 4, x - 3 : x + 4].min() < 160
        return inked

    assert ink_at_marks(render_sheet_pdf(design, URL, stock="plain")) == len(marks)
    assert ink_at_marks(sheet) == 0


# Text: fitting, shrinking, line breaking, limits


def at_limits() -> CardDesign:
    """Every field as long as the limits allow, in full-width characters (the widest)."""
    item = ("緊" * (LIMITS["emergency"] - 3), "110")
    national = ("全" * (LIMITS["national_channels"] - 12), "0120-000-000")
    return CardDesign(
        name="市" * LIMITS["name"],
        window_name="窓" * LIMITS["window_name"],
        message="話" * LIMITS["message"],
        channel="Ｌ" * LIMITS["channel"],
        hours="時" * LIMITS["hours"],
        emergency=(item,) * MAX_ITEMS["emergency"],
        section_name="課" * LIMITS["section_name"],
        section_phone="0" * LIMITS["section_phone"],
        national_channels=(national,) * MAX_ITEMS["national_channels"],
        around_the_clock=("110", "0120-000-000"),  # every line marked （24時間）: the longest
    )


@pytest.mark.parametrize("format", list(FORMATS))
def test_texts_at_their_limits_fit_every_format(format: str) -> None:
    design = at_limits()
    assert validate_design(design) == {}
    for layout in card_layouts(design, URL, format):
        sizes = [op.size for op in layout.ops if isinstance(op, TextRun)]
        assert sizes and min(sizes) >= MIN_SIZE_PT


def test_long_text_shrinks_but_not_below_6_pt(design: CardDesign) -> None:
    font = load_font()
    start = next(
        box.size for box in FORMATS["business"].sides["front"].boxes if box.field == "window_name"
    )

    def window_name_size(name: str) -> float:
        layout = layout_card(replace(design, window_name=name), URL, font)
        return next(op.size for op in layout.ops if isinstance(op, TextRun) and "窓" in op.text)

    assert window_name_size("相談窓口") == start
    assert MIN_SIZE_PT <= window_name_size("窓" * LIMITS["window_name"]) < start


@pytest.mark.parametrize(
    ("field", "value", "label"),
    [
        ("message", "話" * 300, "「メッセージ」"),
        ("window_name", "窓" * 120, "「窓口の名前」"),
        ("section_name", "課" * 90, "「担当課の名前」"),
        ("national_channels", (("全" * 80, "0120-000-000"),) * 3, "「全国の相談窓口」"),
    ],
)
def test_text_too_long_names_the_field_and_its_limit(
    design: CardDesign, field: str, value: object, label: str
) -> None:
    long = replace(design, **{field: value})
    with pytest.raises(CardTextTooLong) as caught:
        render_card_pdf(long, URL, "business")
    assert caught.value.field == field
    assert caught.value.limit == LIMITS[field]
    assert label in str(caught.value)
    assert f"{LIMITS[field]}文字以内" in str(caught.value)


def test_lines_never_start_with_closing_punctuation() -> None:
    font = load_font()
    text = "ひとりで抱えこまずに、話してみませんか。「こころ」の相談は、どんなことでも大丈夫です。"
    for width in range(40, 200, 7):
        lines = wrap(text, width, lambda s: font.width(s, 8))
        assert "".join(lines) == text
        assert all(line[0] not in NO_LINE_START for line in lines)
        assert all(not line.endswith(("「", "（")) for line in lines)


def test_phone_numbers_are_not_split_across_lines() -> None:
    font = load_font()
    width = font.width("0772-69-0350", 8) + 4  # the number fits a line, the sentence does not
    lines = wrap("電話番号は 0772-69-0350 です", width, lambda s: font.width(s, 8))
    assert len(lines) > 1
    assert any("0772-69-0350" in line for line in lines)


# Fonts: a real Japanese font, never tofu


def test_missing_configured_font_names_the_path_and_the_setting(design: CardDesign) -> None:
    with pytest.raises(FontMissing) as caught:
        render_png(design, URL, dpi=72, font_path="/nowhere/card-font.ttf")
    assert "/nowhere/card-font.ttf" in str(caught.value)
    assert "TSUNAGU_CARD_FONT" in str(caught.value)


def test_a_file_that_is_not_a_font_is_refused_clearly(tmp_path: Path) -> None:
    not_a_font = tmp_path / "font.ttf"
    not_a_font.write_text("hello", encoding="utf-8")
    with pytest.raises(FontMissing, match="フォントファイルとして読み込めません"):
        load_font(not_a_font)


def test_no_font_anywhere_says_where_it_looked_and_how_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    nowhere = (tmp_path / "a.ttf", tmp_path / "b.ttc")
    monkeypatch.setattr(cards.fonts, "STANDARD_LOCATIONS", nowhere)
    with pytest.raises(FontMissing) as caught:
        load_font()
    message = str(caught.value)
    assert all(str(path) in message for path in nowhere)
    assert "apt-get install fonts-morisawa-bizud-gothic" in message


def test_standard_font_is_biz_ud_p_gothic_with_proportional_latin() -> None:
    font = load_font()
    assert font.family == "BIZ UDPGothic"
    # Proportional: "LINE" and phone numbers are set as words, not in fixed-width cells.
    assert font.width("i", 10) < font.width("W", 10)
    assert font.width("LINE", 10) < 4 * font.width("W", 10)
    assert load_settings({"TSUNAGU_ENV": "production"}).card_font_path == ""
    assert load_settings(
        {"TSUNAGU_ENV": "production", "TSUNAGU_CARD_FONT": "/f.ttf"}
    ).card_font_path


def test_a_font_without_japanese_glyphs_is_refused(design: CardDesign, tmp_path: Path) -> None:
    latin = TTFont(str(load_font().path))
    subsetter = subset.Subsetter()
    subsetter.populate(text="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    subsetter.subset(latin)
    path = tmp_path / "latin-only.ttf"
    latin.save(str(path))
    with pytest.raises(GlyphsMissingError) as caught:
        render_png(design, URL, dpi=72, font_path=path)
    assert "話" in caught.value.characters  # the first box on the front: the message


def test_characters_the_font_lacks_are_refused(design: CardDesign) -> None:
    with pytest.raises(GlyphsMissingError, match="「メッセージ」") as caught:
        render_png(replace(design, message="話してみませんか\U0001f33b"), URL, dpi=72)
    assert caught.value.characters == "\U0001f33b"


def ink(font: cards.fonts.CardFont, text: str) -> bytes:
    image = Image.new("L", (64, 64), 0)
    ImageDraw.Draw(image).text((8, 48), text, fill=255, font=font.pil_font(40), anchor="ls")
    return image.tobytes()


@pytest.mark.parametrize("font_file", ["", str(NOTO)])
def test_every_character_on_the_cards_renders_as_a_real_glyph(
    design: CardDesign, font_file: str
) -> None:
    if font_file and not Path(font_file).exists():
        pytest.fail("Noto Sans CJK is not installed: run `make test` (it installs fonts-noto-cjk)")
    font = load_font(font_file)
    texts = "".join(box_texts(design).values())
    texts += "".join(
        op.text
        for layout in card_layouts(design, URL, "poster")
        for op in layout.ops
        if isinstance(op, TextRun)
    )
    tofu = ink(font, "\U0010fffd")  # a private-use character no font draws: .notdef
    for character in sorted(set(texts) - {" ", "\u3000", "\n"}):
        drawn = ink(font, character)
        assert drawn != tofu, f"{character!r} prints as tofu"
        assert any(drawn), f"{character!r} prints nothing"


def test_noto_collection_works_for_pdf_too(design: CardDesign) -> None:
    if not NOTO.exists():
        pytest.fail("Noto Sans CJK is not installed: run `make test` (it installs fonts-noto-cjk)")
    assert load_font(NOTO).family == "Noto Sans CJK JP"
    pdf = render_card_pdf(design, URL, font_path=NOTO)
    front = pages(pdf, 200)[0]
    assert [b.text for b in decode(front)] == [URL]
    assert "京丹後市" in pdfium.PdfDocument(pdf)[0].get_textpage().get_text_bounded()


# Logo on the front


def test_logo_is_drawn_small_on_the_front_only(design: CardDesign) -> None:
    logo = io.BytesIO()
    Image.new("RGB", (200, 100), "#e01010").save(logo, format="PNG")
    with_logo = replace(design, logo_png=logo.getvalue())
    for format in FORMATS:
        box = FORMATS[format].sides["front"].logo
        assert box is not None and box[2] * box[3] <= FORMATS[format].width ** 2 / 8

    def red_pixels(png: bytes) -> int:
        rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
        return int(((rgb[..., 0] > 200) & (rgb[..., 1] < 60) & (rgb[..., 2] < 60)).sum())

    assert red_pixels(render_png(with_logo, URL, dpi=100)) > 0
    assert red_pixels(render_png(with_logo, URL, side="back", dpi=100)) == 0
    assert red_pixels(render_png(design, URL, dpi=100)) == 0
    assert [
        b.text for b in decode(Image.open(io.BytesIO(render_png(with_logo, URL, dpi=300))))
    ] == [URL]


# The design and its checks


def test_default_design_comes_from_the_profile() -> None:
    profile = read_profile_file(DEFAULT_PROFILE)
    design = default_design(profile, NATIONAL)
    assert design.window_name == profile.dedicated_window_name
    assert design.channel == "LINE"
    assert ("救急車・火事", "119") in design.emergency
    assert design.section_phone == profile.phone
    assert design.national_channels == NATIONAL
    assert validate_design(design) == {}
    # Gentle, plain, and nothing about methods: the message invites to talk.
    assert re.search("話", design.message)
    assert not re.search("死|自殺|方法", design.message)


def test_validation_checks_required_fields_limits_and_items(design: CardDesign) -> None:
    errors = validate_design(
        replace(
            design,
            message=" ",
            window_name="窓" * (LIMITS["window_name"] + 1),
            emergency=(),
            national_channels=(("いのちの電話", ""),),
            section_phone="電話してね",
        )
    )
    assert errors["message"] == "「メッセージ」を入力してください。"
    assert f"{LIMITS['window_name']}文字以内" in errors["window_name"]
    assert "1件以上" in errors["emergency"]
    assert "どちらも" in errors["national_channels"]
    assert "数字" in errors["section_phone"]
    too_many = replace(design, emergency=(("警察", "110"),) * (MAX_ITEMS["emergency"] + 1))
    assert "件まで" in validate_design(too_many)["emergency"]


def test_validation_checks_colours_and_contrast(design: CardDesign) -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#767676", "#ffffff") >= 4.5 > contrast_ratio("#777777", "#ffffff")
    assert "text_color" not in validate_design(replace(design, text_color="#767676"))
    low = validate_design(replace(design, text_color="#777777"))
    assert "4.5:1" in low["text_color"]
    bad = validate_design(replace(design, accent_color="teal", background_color="#fff"))
    assert set(bad) == {"accent_color", "background_color"}
    assert "#rrggbb" in bad["accent_color"]


@pytest.mark.parametrize("stock", ["perforated", "plain"])
def test_each_card_cut_from_a_600_dpi_sheet_decodes_as_a_phone_sees_it(
    design: CardDesign, stock: str
) -> None:
    """Printed at full resolution, cut along the slots, then photographed: all ten read."""
    front = pages(render_sheet_pdf(design, URL, stock=stock), 600)[0]
    dots = 600 / MM_PER_INCH
    for x, y, width, height in sheet_slots("front"):
        card = front.crop((round(x * dots), round(y * dots),
                           round((x + width) * dots), round((y + height) * dots)))  # fmt: skip
        assert [b.text for b in decode(like_a_phone_camera(card))] == [URL]


def test_the_postcard_decodes_at_print_resolution_and_as_a_phone_sees_it(
    design: CardDesign,
) -> None:
    front = pages(render_card_pdf(design, URL, "postcard"), 600)[0]
    found = decode(front)

    assert [b.text for b in found] == [URL]
    assert str(found[0].ec_level) in ("M", "Q", "H")  # error correction M or higher
    assert [b.text for b in decode(like_a_phone_camera(front, 640))] == [URL]
