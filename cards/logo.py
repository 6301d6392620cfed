"""Logo uploads: PNG or JPEG only, bounded in size, re-encoded to a PNG with no metadata."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 4000
STORED_SIDE = 1200  # large enough for the poster's logo box at 600 dpi
SIGNATURES = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}


class LogoError(ValueError):
    """The upload is not a logo we accept; the message says why, in Japanese, for staff."""


def clean_logo(data: bytes) -> bytes:
    """The logo as a fresh PNG (no EXIF, text chunks or colour profile), or `LogoError`."""
    if len(data) > MAX_BYTES:
        raise LogoError(f"ロゴの画像は{MAX_BYTES // (1024 * 1024)}MB以下にしてください。")
    image = _open(data, _sniff(data))
    _check_dimensions(image.size)  # from the header, before any pixel is decoded
    _decode(image)
    return _reencode(image)


def _open(data: bytes, kind: str) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data), formats=[kind])
    except Image.DecompressionBombError as exc:
        raise _too_large() from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _unreadable() from exc


def _decode(image: Image.Image) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _too_large() from exc
        except (OSError, SyntaxError, ValueError) as exc:
            raise _unreadable() from exc


def _sniff(data: bytes) -> str:
    for signature, kind in SIGNATURES.items():
        if data.startswith(signature):
            return kind
    raise LogoError("ロゴはPNGかJPEGの画像にしてください。")


def _check_dimensions(size: tuple[int, int]) -> None:
    width, height = size
    if width < 1 or height < 1 or width > MAX_SIDE or height > MAX_SIDE:
        raise _too_large()


def _too_large() -> LogoError:
    return LogoError(f"ロゴの画像は縦横それぞれ{MAX_SIDE}ピクセル以下にしてください。")


def _unreadable() -> LogoError:
    return LogoError("ロゴの画像を読み込めませんでした。壊れていないか確かめてください。")


def _reencode(image: Image.Image) -> bytes:
    upright = ImageOps.exif_transpose(image)
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    mode = "RGBA" if has_alpha else "RGB"
    converted = upright.convert(mode)
    converted.thumbnail((STORED_SIDE, STORED_SIDE), Image.Resampling.LANCZOS)
    # A new image carries no info dict, so nothing of the upload's metadata can be written.
    fresh = Image.frombytes(mode, converted.size, converted.tobytes())
    out = io.BytesIO()
    fresh.save(out, format="PNG", optimize=True)
    return out.getvalue()
