"""The Japanese font cards are set in: found, checked for every glyph, never silently replaced.

BIZ UDPGothic (Debian ``fonts-morisawa-bizud-gothic``) is preferred: a universal-design face made
for legibility, whose Latin letters and digits are proportional, so "LINE" and phone numbers read
as words rather than as spaced-out letters (its sibling BIZ UDGothic sets them fixed-width, and
comes next). IPAex Gothic and Noto Sans CJK JP are the fallbacks. Noto ships PostScript (CFF)
outlines in a collection, which the PDF library cannot embed, so for it a TrueType subset of just
the needed characters is made with fontTools.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont, TTLibError
from PIL import ImageFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont as PdfTTFont

from cards.truetype import truetype_subset
from core.config import ConfigError

STANDARD_LOCATIONS = (
    Path("/usr/share/fonts/truetype/bizud-gothic/BIZUDPGothic-Regular.ttf"),
    Path("/usr/share/fonts/truetype/bizud-gothic/BIZUDGothic-Regular.ttf"),
    Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
)
INSTALL_HINT = "apt-get install fonts-morisawa-bizud-gothic"


class FontMissing(ConfigError):  # noqa: N818  (the name the card API documents)
    """No usable Japanese font: the message names where we looked and how to install one."""


class GlyphsMissingError(ValueError):
    """The font has no glyph for some characters, which would print as empty boxes (tofu)."""

    def __init__(self, family: str, characters: str, where: str = "", field: str = "") -> None:
        self.characters = characters
        self.field = field  # the design field the characters are in, when known
        place = f"「{where}」の" if where else ""
        super().__init__(
            f"フォント「{family}」に{place}次の文字がないため、カードに印刷できません：{characters}"
            "（別の文字に置き換えるか、TSUNAGU_CARD_FONT で日本語フォントを指定してください）"
        )


@dataclass(eq=False)
class CardFont:
    """One face of a font file, with what layout needs: coverage, advances and ascent."""

    path: Path
    index: int
    family: str
    postscript_outlines: bool
    ascent: float  # of the em, above the baseline
    _cmap: dict[int, str] = field(repr=False)
    _advances: dict[str, float] = field(repr=False)  # of the em, by glyph name

    def missing(self, text: str) -> str:
        """Characters of ``text`` that the font has no glyph for, each once, in order."""
        absent = (ch for ch in text if ch != "\n" and ord(ch) not in self._cmap)
        return "".join(dict.fromkeys(absent))

    def check(self, text: str, where: str = "", field: str = "") -> None:
        """Raise `GlyphsMissingError` unless every character of ``text`` has a glyph."""
        absent = self.missing(text)
        if absent:
            raise GlyphsMissingError(self.family, absent, where, field)

    def width(self, text: str, size: float) -> float:
        """Advance width of ``text`` in the units of ``size``."""
        return size * sum(
            self._advances.get(self._cmap.get(ord(ch), ".notdef"), 0.5) for ch in text
        )

    def pdf_name(self, text: str) -> str:
        """A reportlab font name able to draw ``text``, registered on first use."""
        if not self.postscript_outlines:
            return _register_pdf_font(str(self.path), self.index, "")
        return _register_pdf_font(str(self.path), self.index, "".join(sorted(set(text))))

    def pil_font(self, size_px: float) -> ImageFont.FreeTypeFont:
        return _pil_font(str(self.path), self.index, round(size_px, 2))


def load_font(path: str | Path | None = None) -> CardFont:
    """The configured font file, or the first of the standard locations that exists."""
    if path:
        candidates = [Path(path)]
        hint = "TSUNAGU_CARD_FONT（card_font_path）に正しいフォントファイルを指定してください"
    else:
        candidates = list(STANDARD_LOCATIONS)
        hint = f"インストール：{INSTALL_HINT}（または TSUNAGU_CARD_FONT でファイルを指定）"
    for candidate in candidates:
        if candidate.is_file():
            return _load(str(candidate))
    looked = ", ".join(str(c) for c in candidates)
    raise FontMissing(f"案内カード用の日本語フォントが見つかりません。探した場所：{looked}。{hint}")


@lru_cache(maxsize=8)
def _load(path: str) -> CardFont:
    try:
        index, face = _open_face(path)
        units = face["head"].unitsPerEm
        metrics = face["hmtx"].metrics
        ascent = face["OS/2"].sTypoAscender / units
    except (TTLibError, OSError, AssertionError, KeyError) as exc:
        raise FontMissing(f"フォントファイルとして読み込めません：{path}（{exc!r}）") from exc
    return CardFont(
        path=Path(path),
        index=index,
        family=face["name"].getDebugName(4) or Path(path).stem,
        postscript_outlines="CFF " in face or "CFF2" in face,
        ascent=ascent,
        _cmap=dict(face.getBestCmap() or {}),
        _advances={name: advance / units for name, (advance, _) in metrics.items()},
    )


def _open_face(path: str) -> tuple[int, TTFont]:
    """A single face; in a collection the Japanese one (its name ends in "JP") if there is one."""
    with open(path, "rb") as handle:
        is_collection = handle.read(4) == b"ttcf"
    if not is_collection:
        return 0, TTFont(path, lazy=True)
    faces = TTCollection(path, lazy=True).fonts
    for index, face in enumerate(faces):
        full_name = face["name"].getDebugName(4) or ""
        if full_name.endswith(" JP") and "Mono" not in full_name:
            return index, face
    return 0, faces[0]


@lru_cache(maxsize=32)
def _register_pdf_font(path: str, index: int, subset_text: str) -> str:
    digest = hashlib.sha256(f"{path}#{index}#{subset_text}".encode()).hexdigest()[:12]
    name = f"TsunaguCard-{digest}"
    if subset_text:
        source: str | io.BytesIO = io.BytesIO(truetype_subset(path, index, subset_text))
        pdfmetrics.registerFont(PdfTTFont(name, source))
    else:
        source = path
        pdfmetrics.registerFont(PdfTTFont(name, source, subfontIndex=index))
    return name


@lru_cache(maxsize=64)
def _pil_font(path: str, index: int, size_px: float) -> ImageFont.FreeTypeFont:
    # BASIC layout uses the advance widths as they are, so lines match the measured layout.
    return ImageFont.truetype(path, size_px, index=index, layout_engine=ImageFont.Layout.BASIC)
