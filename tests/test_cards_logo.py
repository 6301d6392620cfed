"""Logo uploads: PNG or JPEG by content, bounded, bomb-safe, and re-encoded without metadata."""

from __future__ import annotations

import io
import struct
import time
import zlib
from dataclasses import replace

import pytest
from PIL import Image, PngImagePlugin

from cards.design import CardDesign, default_design, validate_design
from cards.logo import MAX_BYTES, MAX_SIDE, STORED_SIDE, LogoError, clean_logo
from core.config import DEFAULT_PROFILE
from core.profile import read_profile_file

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
METADATA_CHUNKS = {b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"iCCP", b"tIME", b"pHYs"}


def encoded(image: Image.Image, format: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=format, **options)
    return out.getvalue()


def png_chunks(data: bytes) -> list[bytes]:
    assert data.startswith(PNG_SIGNATURE)
    chunks, at = [], len(PNG_SIGNATURE)
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        chunks.append(data[at + 4 : at + 8])
        at += 12 + length
    return chunks


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a size: its header and one tiny compressed row, nothing more."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 16))
        + chunk(b"IEND", b"")
    )


def exif_with_gps() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "secret-editor 1.0"  # Software
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    return exif


def test_png_is_re_encoded_without_text_chunks_or_profile() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "staff member's name")
    info.add_itxt("Comment", "内部メモ")
    original = Image.new("RGB", (120, 60), "#1d6f6b")
    data = encoded(original, "PNG", pnginfo=info, dpi=(300, 300), icc_profile=b"\0" * 128)
    assert {b"tEXt", b"iTXt"} <= set(png_chunks(data))
    clean = clean_logo(data)
    assert not METADATA_CHUNKS & set(png_chunks(clean))
    assert b"staff member" not in clean
    with Image.open(io.BytesIO(clean)) as result:
        assert result.format == "PNG"
        assert result.size == (120, 60)
        assert result.getpixel((10, 10)) == (0x1D, 0x6F, 0x6B)


def test_jpeg_loses_its_exif_after_being_turned_upright() -> None:
    data = encoded(Image.new("RGB", (80, 40), "#c03030"), "JPEG", exif=exif_with_gps())
    assert b"PhoneMaker" in data
    clean = clean_logo(data)
    assert b"PhoneMaker" not in clean
    assert b"secret-editor" not in clean
    with Image.open(io.BytesIO(clean)) as result:
        assert result.format == "PNG"
        assert result.size == (40, 80)  # the orientation tag was applied, then dropped
        assert not result.getexif()
        assert not METADATA_CHUNKS & set(png_chunks(clean))


def test_transparency_is_kept() -> None:
    logo = Image.new("RGBA", (50, 50), (0, 0, 0, 0))
    logo.paste((200, 0, 0, 255), (10, 10, 40, 40))
    with Image.open(io.BytesIO(clean_logo(encoded(logo, "PNG")))) as result:
        assert result.mode == "RGBA"
        assert result.getpixel((0, 0))[3] == 0
        assert result.getpixel((20, 20)) == (200, 0, 0, 255)


def test_large_logo_is_stored_smaller() -> None:
    data = encoded(Image.new("RGB", (3000, 1500), "white"), "PNG")
    with Image.open(io.BytesIO(clean_logo(data))) as result:
        assert max(result.size) == STORED_SIDE


@pytest.mark.parametrize(
    "data",
    [
        b"not an image at all",
        b"",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"%PDF-1.4\n",
    ],
    ids=["text", "empty", "svg", "pdf"],
)
def test_what_is_not_an_image_is_refused(data: bytes) -> None:
    with pytest.raises(LogoError, match="PNGかJPEG"):
        clean_logo(data)


@pytest.mark.parametrize("format", ["GIF", "WEBP", "BMP", "TIFF"])
def test_other_image_formats_are_refused_by_content(format: str) -> None:
    with pytest.raises(LogoError, match="PNGかJPEG"):
        clean_logo(encoded(Image.new("RGB", (20, 20), "red"), format))


def test_a_gif_named_like_a_png_is_still_a_gif() -> None:
    gif = encoded(Image.new("RGB", (20, 20), "red"), "GIF")
    assert gif.startswith(b"GIF8")
    with pytest.raises(LogoError):
        clean_logo(gif)


def test_files_over_the_size_limit_are_refused() -> None:
    with pytest.raises(LogoError, match="2MB"):
        clean_logo(PNG_SIGNATURE + b"\0" * MAX_BYTES)


@pytest.mark.parametrize("size", [(MAX_SIDE + 1, 10), (10, MAX_SIDE + 1)])
def test_dimensions_over_the_limit_are_refused(size: tuple[int, int]) -> None:
    data = encoded(Image.new("L", size, 255), "PNG")
    assert len(data) < MAX_BYTES
    with pytest.raises(LogoError, match=str(MAX_SIDE)):
        clean_logo(data)


@pytest.mark.parametrize("side", [6000, 50_000, 1_000_000])
def test_decompression_bombs_are_refused_from_the_header(side: int) -> None:
    started = time.perf_counter()
    with pytest.raises(LogoError, match=str(MAX_SIDE)):
        clean_logo(png_header_only(side, side))
    assert time.perf_counter() - started < 1  # nothing was decoded


def test_truncated_image_is_refused() -> None:
    data = encoded(Image.new("RGB", (300, 300), "blue"), "JPEG")
    with pytest.raises(LogoError, match="読み込めません"):
        clean_logo(data[: len(data) // 3])


def test_refusals_are_value_errors_with_japanese_messages() -> None:
    with pytest.raises(ValueError, match="ロゴ"):
        clean_logo(b"GIF89a")


def test_design_validation_reports_a_bad_logo() -> None:
    design: CardDesign = default_design(read_profile_file(DEFAULT_PROFILE))
    assert "logo_png" not in validate_design(design)
    good = replace(design, logo_png=encoded(Image.new("RGB", (10, 10)), "PNG"))
    assert "logo_png" not in validate_design(good)
    bad = replace(design, logo_png=b"GIF89a...")
    assert "PNGかJPEG" in validate_design(bad)["logo_png"]
