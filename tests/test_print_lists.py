"""Printable lists: the page and the A4 PDF list exactly what the search or topic shows, with
phones, hours and a QR code per service that opens its page; the PDF's fonts are embedded."""

from __future__ import annotations

import ctypes
import re
from datetime import datetime
from html import unescape
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
import zxingcpp
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from cards.throttle import ScanThrottle
from directory.models import Service
from directory.printable import searched_services, week_lines
from directory.search.loading import load_services
from directory.search.query import SearchQuery
from public_site.print_views import THROTTLE
from tests.test_public_pages import listed_names

BASE = "https://tsunagu.test"
A4_PT = (595.28, 841.89)
BASE_14 = (b"Helvetica", b"Times-", b"Courier", b"Symbol", b"ZapfDingbats")
SEARCH = "/directory?areas=national&channels=phone"


def all_pages_names(client: FlaskClient, address: str) -> list[str]:
    """The names a search or topic lists, page after page, as a resident reads them."""
    names, number = [], 1
    while True:
        html = client.get(f"{address}{'&' if '?' in address else '?'}page={number}").get_data(
            as_text=True
        )
        found = listed_names(html)
        if not found:
            return names
        names += found
        if f"page={number + 1}" not in html:
            return names
        number += 1


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.get_textpage().get_text_bounded() for page in pdfium.PdfDocument(pdf))


def decoded(pdf: bytes, dpi: int = 200) -> list[str]:
    found = []
    for page in pdfium.PdfDocument(pdf):
        image: Image.Image = page.render(scale=dpi / 72).to_pil().convert("L")
        found += [
            b.text for b in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        ]
    return found


@pytest.fixture
def pdf(client: FlaskClient, demo: Session) -> bytes:
    response = client.get("/directory/print?areas=national&channels=phone&format=pdf")
    assert response.status_code == 200
    return response.get_data()


def test_the_print_view_lists_exactly_the_searchs_results_with_its_filters(
    client: FlaskClient, demo: Session
) -> None:
    shown = all_pages_names(client, SEARCH)
    html = client.get(SEARCH.replace("/directory?", "/directory/print?")).get_data(as_text=True)

    assert shown and listed_names(html) == shown
    everything = all_pages_names(client, "/directory")
    assert len(everything) > len(shown)  # the filters were kept: not every service


def test_the_print_view_starts_at_the_first_result_whatever_page_was_shown(
    client: FlaskClient, demo: Session
) -> None:
    first = listed_names(client.get("/directory/print").get_data(as_text=True))
    from_page_2 = listed_names(client.get("/directory/print?page=2").get_data(as_text=True))

    assert first == from_page_2 == all_pages_names(client, "/directory")


def test_a_topics_print_view_lists_the_topic_page(client: FlaskClient, demo: Session) -> None:
    html = client.get("/directory/print/topics/debt").get_data(as_text=True)

    assert listed_names(html) == all_pages_names(client, "/directory/topics/debt")
    assert listed_names(html)
    assert client.get("/directory/print/topics/no-such-topic").status_code == 404


def test_a_list_longer_than_the_cap_says_how_many_it_leaves_out(demo: Session) -> None:
    now = datetime(2026, 5, 12, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    every = searched_services(demo, SearchQuery(), now=now)
    capped = searched_services(demo, SearchQuery(), now=now, limit=7)

    assert not every.capped and every.total == len(every.services) > 30
    assert capped.capped and capped.total == every.total
    assert [s.id for s in capped.services] == [s.id for s in every.services[:7]]


def test_the_print_view_shows_phones_hours_qr_codes_the_date_and_the_citys_contact(
    client: FlaskClient, demo: Session
) -> None:
    html = client.get("/directory/print?q=借金").get_data(as_text=True)

    assert 'class="print-urgent"' in html and "119" in html and "110" in html
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日時点", html)
    assert html.count('class="qr-code"') == len(listed_names(html)) > 0
    assert "0772-69-0350" in html  # the city's section, at the foot
    assert "受付時間:" in html
    assert re.search(r"\d{2,4}-\d{2,4}-\d{3,4}", html)  # phones as text


def test_search_and_topic_pages_link_to_their_print_view_without_tracking(
    client: FlaskClient, demo: Session
) -> None:
    html = client.get("/directory?free=1&areas=national&fbclid=1&utm_source=x").get_data(
        as_text=True
    )
    topic = client.get("/en/directory/topics/debt").get_data(as_text=True)

    links = [unescape(h) for h in re.findall(r'href="([^"]*/print[^"]*)"', html)]
    assert links == ["/directory/print?free=1&areas=national"]
    assert 'href="/en/directory/print/topics/debt"' in topic


@pytest.mark.parametrize("prefix", ["", "/easy", "/en"])
def test_every_language_has_the_print_view_and_its_pdf(
    client: FlaskClient, demo: Session, prefix: str
) -> None:
    page = client.get(f"{prefix}/directory/print?topics=debt")
    pdf = client.get(f"{prefix}/directory/print?topics=debt&format=pdf")

    assert page.status_code == pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert "Set-Cookie" not in page.headers and "Set-Cookie" not in pdf.headers
    if prefix == "/en":
        assert "As of" in pdf_text(pdf.get_data()) and "Print this list" not in pdf_text(
            pdf.get_data()
        )


def test_week_lines_join_days_alike(demo: Session) -> None:
    ids = demo.scalars(select(Service.id).where(Service.status == "published")).all()
    lines = [week_lines(s, "ja") for s in load_services(demo, list(ids))]
    english = [week_lines(s, "en") for s in load_services(demo, list(ids))]

    assert any(line.startswith("毎日") for week in lines for line in week)
    assert any(line.startswith("月〜金") for week in lines for line in week)
    assert any(line.startswith("Every day") for week in english for line in week)
    assert all(len(week) <= 5 for week in lines)


def test_the_pdf_is_a4_with_the_names_phones_and_page_numbers(
    client: FlaskClient, demo: Session, pdf: bytes
) -> None:
    html = client.get("/directory/print?areas=national&channels=phone").get_data(as_text=True)
    text = pdf_text(pdf)
    document = pdfium.PdfDocument(pdf)

    assert all(
        abs(w - A4_PT[0]) < 1 and abs(h - A4_PT[1]) < 1 for w, h in (p.get_size() for p in document)
    )
    flat = re.sub(r"\s", "", text)
    for name in listed_names(html):
        assert re.sub(r"\s", "", name) in flat, name
    assert "0120-279-338" in text  # よりそいホットライン
    assert f"1 / {len(document)}" in text and re.search(r"\d{4}年\d{1,2}月\d{1,2}日時点", text)
    assert "0772-69-0350" in text


def test_the_pdf_embeds_every_font_and_names_no_standard_one(pdf: bytes) -> None:
    assert not any(name in pdf for name in BASE_14)
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


def test_each_qr_code_in_the_pdf_opens_its_services_page(
    client: FlaskClient, demo: Session, pdf: bytes
) -> None:
    html = client.get("/directory/print?areas=national&channels=phone").get_data(as_text=True)
    ids = re.findall(r'<h2 class="service-name"><a href="/directory/services/([^"]+)"', html)

    assert sorted(decoded(pdf)) == sorted(f"{BASE}/directory/services/{i}" for i in ids)


def test_the_pdf_qr_codes_are_vectors_not_images(pdf: bytes) -> None:
    kinds = {obj.type for page in pdfium.PdfDocument(pdf) for obj in page.get_objects()}
    assert pdfium_c.FPDF_PAGEOBJ_IMAGE not in kinds and pdfium_c.FPDF_PAGEOBJ_PATH in kinds


def test_the_pdf_is_inline_cacheable_and_cookieless(client: FlaskClient, demo: Session) -> None:
    response = client.get("/directory/print/topics/debt?format=pdf")

    assert response.headers["Content-Disposition"].startswith('inline; filename="tsunagu-list-')
    assert response.headers["Content-Disposition"].endswith('.pdf"')
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert "Set-Cookie" not in response.headers


def test_beyond_the_render_budget_the_printable_page_is_sent_instead(
    public_app: Flask, client: FlaskClient, demo: Session
) -> None:
    public_app.extensions[THROTTLE] = ScanThrottle("memory://", per_minute=1, prefix="t-pdf")
    first = client.get("/directory/print?topics=debt&format=pdf")
    second = client.get("/directory/print?topics=work&format=pdf")

    assert first.status_code == 200
    assert second.status_code == 303
    assert second.headers["Location"] == "/directory/print?topics=work"
    assert second.headers["Cache-Control"] == "no-store"


def test_the_crisis_lines_head_the_list(client: FlaskClient, demo: Session) -> None:
    crisis = demo.scalars(
        select(Service.name).where(Service.is_crisis_line.is_(True), Service.status == "published")
    ).all()
    html = client.get("/directory/print?topics=work").get_data(as_text=True)
    urgent = html[html.index('class="print-urgent"') : html.index('class="print-entries"')]

    assert crisis and all(name in unescape(urgent) for name in crisis)


def test_on_english_paper_japanese_contact_labels_are_marked_as_such(
    client: FlaskClient, demo: Session
) -> None:
    """A channel's label is written in Japanese only: on /en/ it says so, as the service page
    does, instead of passing it off as English."""
    html = client.get("/en/directory/print").get_data(as_text=True)

    labels = re.findall(r'<span class="channel-label">(.*?)</span></li>', html, re.S)
    assert labels and all("(in Japanese)" in label for label in labels)
    assert all('lang="ja"' in label for label in labels)
