"""Cards whose QR code leads to no public https address are samples: marked on every face, PNG
and PDF, sheet included, still readable by a phone; the back office says why."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from flask import Flask
from PIL import Image
from sqlalchemy.orm import Session

from backoffice import create_app as create_backoffice_app
from cards.batches import create_batch
from cards.design import CardDesign, default_design
from cards.designs import get_design
from cards.files import FILES, render
from cards.fonts import load_font
from cards.layout import Watermark, layout_card
from cards.sample import SAMPLE_MARK, sample_reason
from core.config import DEFAULT_PROFILE, Settings
from core.db import get_engine
from core.profile import read_profile_file
from tests.staff import signed_in_client
from tests.test_cards_render import NATIONAL, URL, decode, like_a_phone_camera

SAMPLE_URL = "http://127.0.0.1:5000/c/k7q2m9abcd"
PUBLIC_BASE = "https://sodan.city.kyotango.lg.jp"
# (kind, page, dpi, how small a phone sees it)
FILE_PAGES = [
    ("card.png", 0, 600, 480),
    ("card.pdf", 0, 300, 480),
    ("postcard.pdf", 0, 150, 480),
    ("poster.pdf", 0, 72, 420),
    ("print-shop.pdf", 0, 300, 600),
    ("sheet.pdf", 0, 150, None),
    ("sheet-plain.pdf", 0, 150, None),
]


@pytest.fixture(scope="module")
def design() -> CardDesign:
    return replace(
        default_design(read_profile_file(DEFAULT_PROFILE), NATIONAL), hours="毎日 17:00〜22:30"
    )


def faces(body: bytes, dpi: int) -> list[Image.Image]:
    if body.startswith(b"\x89PNG"):
        return [Image.open(io.BytesIO(body)).convert("RGB")]
    return [
        page.render(scale=dpi / 72).to_pil().convert("RGB") for page in pdfium.PdfDocument(body)
    ]


def tinted_pixels(image: Image.Image) -> int:
    """Pixels of the mark's pink-red: clearly redder than green and blue."""
    rgb = np.asarray(image).astype(int)
    return int(((rgb[..., 0] - rgb[..., 1] > 40) & (rgb[..., 0] - rgb[..., 2] > 30)).sum())


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5000/c/x",
        "http://sodan.city.kyotango.lg.jp/c/x",  # not https
        "https://localhost/c/x",
        "https://127.0.0.2/c/x",
        "https://10.1.2.3/c/x",
        "https://192.168.0.10:8443/c/x",
        "https://172.20.0.1/c/x",
        "https://[::1]/c/x",
        "https://[fd00::1]/c/x",
        "https://tsunagu.example/c/x",
        "https://tsunagu.test/c/x",
        "https://printer.local/c/x",
        "https://cards.internal/c/x",
        "https://tsunagu/c/x",  # one label: only inside a network
        "https://www.example.com/c/x",
    ],
)
def test_addresses_residents_cannot_open_make_a_sample(url: str) -> None:
    reason = sample_reason(url)
    assert reason is not None and reason.endswith("。")


@pytest.mark.parametrize(
    "url", ["https://sodan.city.kyotango.lg.jp/c/x", "https://tsunagu.jp/c/x", URL]
)
def test_public_https_addresses_are_no_sample(url: str) -> None:
    assert sample_reason(url) is None


def test_only_a_sample_layout_carries_the_mark(design: CardDesign) -> None:
    font = load_font()
    for side in ("front", "back"):
        sample = layout_card(design, SAMPLE_URL, font, side=side)
        public = layout_card(design, URL, font, side=side)
        marks = [op for op in sample.ops if isinstance(op, Watermark)]
        assert sample.sample and [m.text for m in marks] == [SAMPLE_MARK]
        assert 20 < marks[0].angle < 40  # along the card's diagonal
        assert not public.sample


@pytest.mark.parametrize(("kind", "page", "dpi", "phone"), FILE_PAGES)
def test_every_sample_file_is_marked_and_its_code_still_reads(
    design: CardDesign, kind: str, page: int, dpi: int, phone: int | None
) -> None:
    sample = faces(render(design, SAMPLE_URL, kind), dpi)
    public = faces(render(design, URL, kind), dpi)
    assert all(tinted_pixels(face) > 500 for face in sample)  # every face, backs included
    assert all(tinted_pixels(face) == 0 for face in public)
    found = [b.text for b in decode(sample[page])]
    assert found and set(found) == {SAMPLE_URL}  # all ten on a sheet
    if phone:
        assert [b.text for b in decode(like_a_phone_camera(sample[page], phone))] == [SAMPLE_URL]


@pytest.mark.parametrize("kind", ["card.pdf", "sheet.pdf", "print-shop.pdf", "poster.pdf"])
def test_sample_pdfs_say_so_in_their_text(design: CardDesign, kind: str) -> None:
    def texts(url: str) -> list[str]:
        document = pdfium.PdfDocument(render(design, url, kind))
        return [page.get_textpage().get_text_bounded() for page in document]

    assert all(SAMPLE_MARK in text for text in texts(SAMPLE_URL))
    assert not any(SAMPLE_MARK in text for text in texts(URL))


def test_a_sample_sheet_also_says_so_in_its_margins(design: CardDesign) -> None:
    front = pdfium.PdfDocument(render(design, SAMPLE_URL, "sheet.pdf"))[0]
    text = front.get_textpage().get_text_bounded()
    assert text.count(SAMPLE_MARK) == 10 + 4  # each card, and twice above and below
    assert FILES["sheet.pdf"].mimetype == "application/pdf"


# ---- the back office and the command line ---------------------------------------------------


def batch_page(app: Flask, demo: Session) -> tuple[str, int]:
    saved = get_design(demo)
    assert saved is not None
    batch = create_batch(demo, design=saved, purpose="home_visit", quantity=20, actor=None)
    demo.commit()
    client = signed_in_client(app, "coordinator")
    return client.get(f"/cards/batches/{batch.id}").get_data(as_text=True), batch.id


def test_the_batch_page_says_why_its_files_are_samples(
    backoffice_app: Flask, demo: Session
) -> None:
    page, batch_id = batch_page(backoffice_app, demo)  # the tests' base: https://tsunagu.test
    assert "このサーバーで作る印刷用ファイルは見本です。" in page
    assert "tsunagu.test" in page and "TSUNAGU_PUBLIC_BASE_URL" in page
    assert f"/cards/batches/{batch_id}/files/print-shop.pdf" in page
    assert "トンボ付き・塗り足し3mm・CMYK" in page


def test_the_design_page_says_why_its_preview_is_marked(
    backoffice_app: Flask, demo: Session
) -> None:
    editor = signed_in_client(backoffice_app, "editor")
    page = editor.get("/cards/designs/standard").get_data(as_text=True)
    assert "「見本・配布しないでください」が入ります" in page and "tsunagu.test" in page


def test_a_public_base_address_prints_cards_to_hand_out(
    settings: Settings, clean_db: object, demo: Session
) -> None:
    app = create_backoffice_app(replace(settings, public_base_url=PUBLIC_BASE))
    app.config["TESTING"] = True
    try:
        page, batch_id = batch_page(app, demo)
        assert "見本です" not in page
        editor = signed_in_client(app, "editor")
        assert "見本・配布" not in editor.get("/cards/designs/standard").get_data(as_text=True)
        client = signed_in_client(app, "coordinator")
        response = client.get(f"/cards/batches/{batch_id}/files/print-shop.pdf")
        assert response.status_code == 200
        assert "cmyk-bleed3mm" in response.headers["Content-Disposition"]
        text = pdfium.PdfDocument(response.data)[0].get_textpage().get_text_bounded()
        assert SAMPLE_MARK not in text and "無料" in text
    finally:
        get_engine(app).dispose()


def test_cards_render_print_shop_from_the_command_line(
    backoffice_app: Flask, demo: Session, tmp_path: Path
) -> None:
    output = tmp_path / "card.pdf"

    result = backoffice_app.test_cli_runner().invoke(
        args=["cards", "render", "--format", "print-shop", "-o", str(output)]
    )

    assert result.exit_code == 0, result.output
    assert b"/TrimBox" in output.read_bytes() and b"/BleedBox" in output.read_bytes()
    assert "sample only" in result.output and "tsunagu.test" in result.output
