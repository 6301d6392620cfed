"""The files a card comes as, by kind: the same names for the public page, staff and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from cards.design import CardDesign
from cards.render import (
    PREVIEW_DPI,
    render_card_pdf,
    render_png,
    render_print_shop_pdf,
    render_sheet_pdf,
)


@dataclass(frozen=True)
class CardFile:
    filename: str
    mimetype: str


PNG, PDF = "image/png", "application/pdf"
FILES: dict[str, CardFile] = {
    "card.png": CardFile("card-front.png", PNG),  # business card front, 600 dpi
    "card-back.png": CardFile("card-back.png", PNG),
    "card.pdf": CardFile("card.pdf", PDF),  # one card: front page, back page
    # For a print shop: one card, CMYK, 3 mm bleed and crop marks (`cards.printshop`).
    "print-shop.pdf": CardFile("card-print-shop-cmyk-bleed3mm.pdf", PDF),
    "sheet.pdf": CardFile("card-sheet-a4.pdf", PDF),  # 10 cards on perforated stock
    "sheet-plain.pdf": CardFile("card-sheet-a4-plain.pdf", PDF),  # plain paper, crop marks
    "postcard.pdf": CardFile("card-postcard-a6.pdf", PDF),
    "poster.pdf": CardFile("card-poster-a4.pdf", PDF),
    "preview.png": CardFile("card-preview-front.png", PNG),
    "preview-back.png": CardFile("card-preview-back.png", PNG),
}
PUBLIC_FILES = {kind: FILES[kind] for kind in ("card.png", "card.pdf", "sheet.pdf",
                                               "sheet-plain.pdf", "poster.pdf",
                                               "print-shop.pdf")}  # fmt: skip
# What `cards render --format` takes, and the kind it stands for.
CLI_FORMATS = {"png": "card.png", "pdf": "card.pdf", "sheet": "sheet.pdf",
               "sheet-plain": "sheet-plain.pdf", "postcard": "postcard.pdf",
               "poster": "poster.pdf", "print-shop": "print-shop.pdf"}  # fmt: skip


def render(
    design: CardDesign,
    url: str,
    kind: str,
    *,
    offset_mm: tuple[float, float] = (0.0, 0.0),
    font_path: str | None = None,
) -> bytes:
    """The file of ``kind`` (a key of `FILES`) for a card whose QR code opens ``url``.

    ``font_path`` is `Settings.card_font_path`: empty looks in the usual places.
    """
    font = font_path or None
    match kind:
        case "card.png":
            return render_png(design, url, font_path=font)
        case "card-back.png":
            return render_png(design, url, side="back", font_path=font)
        case "preview.png":
            return render_png(design, url, dpi=PREVIEW_DPI, font_path=font)
        case "preview-back.png":
            return render_png(design, url, side="back", dpi=PREVIEW_DPI, font_path=font)
        case "card.pdf":
            return render_card_pdf(design, url, "business", font_path=font)
        case "print-shop.pdf":
            return render_print_shop_pdf(design, url, font_path=font)
        case "postcard.pdf":
            return render_card_pdf(design, url, "postcard", font_path=font)
        case "poster.pdf":
            return render_card_pdf(design, url, "poster", font_path=font)
        case "sheet.pdf":
            return render_sheet_pdf(
                design, url, stock="perforated", offset_mm=offset_mm, font_path=font
            )
        case "sheet-plain.pdf":
            return render_sheet_pdf(design, url, stock="plain", offset_mm=offset_mm, font_path=font)
    raise KeyError(kind)


@lru_cache(maxsize=16)
def render_cached(design: CardDesign, url: str, kind: str, font_path: str | None = None) -> bytes:
    """`render`, kept while the design and address stay the same (a design is hashable)."""
    return render(design, url, kind, font_path=font_path)
