"""What residents read: no research notes, contacts as links only once confirmed, closed lines
outlined, and the pages for the people around someone."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.i18n import LANGUAGES
from directory.models import Service, TaxonomyTerm
from directory.topics import BEREAVED_BY_SUICIDE, WORRIED_ABOUT_SOMEONE
from tests.helpers import get_urls
from tests.staff import post_form, signed_in_client
from tests.test_public_pages import listed_names, page, page_text

# How the fact sheet doubts a fact or names a source: none of it is for residents.
RESEARCH_NOTES = re.compile(
    r"要確認|未確認|要再確認|とみられ|二次資料|一次資料|undated|not stated|no/unclear|資料|食い違"
    r"|ブログ|報道|転載|記事|使わないこと|年時点|年情報|※|確認できず|見つからず|可能性あり"
    r"|情報の出典|出典の日付|tascalne|hurights|news-postseven|note\.com"
    r"|いま\s*確かめて\s*い"  # やさしい日本語: "is being checked now"
)


def public_urls(app: Flask, session: Session) -> list[str]:
    """Every page of the public app: each route, each service and topic page, the search
    pages; in Japanese and English."""
    urls = set(get_urls(app))
    services = session.scalars(select(Service.id).where(Service.status == "published")).all()
    codes = session.scalars(select(TaxonomyTerm.code)).all()
    with app.test_request_context():
        for lang in LANGUAGES:
            urls.update(url_for("directory.service", service_id=i, lang=lang) for i in services)
            urls.update(url_for("directory.topic", code=code, lang=lang) for code in codes)
            urls.update(url_for("directory.search", page=n, lang=lang) for n in (1, 2, 3))
            urls.add(url_for("directory.search", open_now="1", lang=lang))
            urls.add(url_for("directory.search", q="死にたい", lang=lang))
    return sorted(urls)


def test_no_public_page_shows_a_research_note(
    client: FlaskClient, public_app: Flask, demo: Session
) -> None:
    checked = 0
    for url in public_urls(public_app, demo):
        response = client.get(url)
        if response.mimetype != "text/html":
            continue
        text = page_text(response.get_data(as_text=True))
        found = RESEARCH_NOTES.findall(text)
        assert not found, (url, found)
        checked += 1

    assert checked > 100  # every service page in two languages, and the rest


def service_named(session: Session, name: str) -> Service:
    service = session.scalar(select(Service).where(Service.name == name))
    assert service is not None
    return service


def test_an_unconfirmed_contact_is_text_until_staff_confirm_it(
    client: FlaskClient, public_app: Flask, backoffice_app: Flask, demo: Session
) -> None:
    # The number comes from a secondary source only.
    service = service_named(demo, "京丹後市役所（本庁・峰山庁舎）")
    assert not service.contact_confirmed

    html = page(client, public_app, "directory.service", service_id=service.id)
    assert "0772-69-0001" in html and 'href="tel:0772690001"' not in html

    staff = signed_in_client(backoffice_app, "editor")
    url = f"/directory/services/{service.id}"
    assert post_form(staff, f"{url}/verify", {}, form_url=url).status_code == 302

    html = page(client, public_app, "directory.service", service_id=service.id)
    assert 'href="tel:0772690001"' in html
    assert "最終確認日" in html


def test_a_confirmed_contact_is_a_button_in_listings_too(
    client: FlaskClient, public_app: Flask, demo: Session
) -> None:
    html = page(client, public_app, "directory.search", q="京都いのちの電話")
    unsure = page(client, public_app, "directory.search", q="京都府こころのケアセンター")

    assert 'href="tel:0758644343"' in html
    assert "0774-32-5885" in unsure and 'href="tel:0774325885"' not in unsure


def test_a_service_page_links_one_official_page_and_no_other_source(
    client: FlaskClient, public_app: Flask, demo: Session
) -> None:
    service = service_named(demo, "24時間子供SOSダイヤル")

    html = page(client, public_app, "directory.service", service_id=service.id)

    assert 'href="https://www.mext.go.jp/a_menu/shotou/seitoshidou/1306988.htm"' in html
    assert "文部科学省のページ" in html
    assert "resemom.jp" not in html


def button_classes(html: str, href: str) -> list[str]:
    """The classes of each service's contact button linking ``href``."""
    found = re.findall(rf'<a class="([^"]*)" href="{re.escape(href)}"', html)
    return [classes for classes in found if "button-channel" in classes.split()]


def test_a_closed_line_has_an_outlined_button_and_says_when_it_opens(
    client: FlaskClient, public_app: Flask, demo: Session, time_machine
) -> None:
    time_machine.move_to(datetime(2026, 3, 10, 1, 0, tzinfo=UTC), tick=False)  # Tue 10:00, Tokyo
    closed = service_named(demo, "チャイルドライン")  # phone 16:00–21:00
    always = service_named(demo, "京都いのちの電話")  # 24 hours

    closed_html = page(client, public_app, "directory.service", service_id=closed.id)
    open_html = page(client, public_app, "directory.service", service_id=always.id)
    listing = page(client, public_app, "directory.search", q="チャイルドライン")

    assert "button-call-closed" in button_classes(closed_html, "tel:0120997777")[0]
    assert "次の受付: 3月10日(火) 16:00から" in closed_html
    assert "button-call-closed" in button_classes(listing, "tel:0120997777")[0]
    assert "button-call" in button_classes(open_html, "tel:0758644343")[0].split()


def test_the_same_line_has_the_primary_button_while_open(
    client: FlaskClient, public_app: Flask, demo: Session, time_machine
) -> None:
    time_machine.move_to(datetime(2026, 3, 10, 8, 0, tzinfo=UTC), tick=False)  # Tue 17:00, Tokyo
    service = service_named(demo, "チャイルドライン")

    html = page(client, public_app, "directory.service", service_id=service.id)

    classes = button_classes(html, "tel:0120997777")[0].split()
    assert "button-call" in classes and "button-call-closed" not in classes


def test_a_line_whose_hours_are_unknown_has_an_outlined_button(
    client: FlaskClient, public_app: Flask, demo: Session, time_machine
) -> None:
    # At 2:30 a.m. a city office without hours must not look like a line that answers now.
    time_machine.move_to(datetime(2026, 3, 9, 17, 30, tzinfo=UTC), tick=False)  # Tue 02:30
    office = service_named(demo, "京丹後市 健康長寿福祉部 健康推進課")

    html = page(client, public_app, "directory.service", service_id=office.id)
    listing = page(client, public_app, "directory.search", q="しにたい")

    assert "button-call-closed" in button_classes(html, "tel:0772690350")[0].split()
    assert "button-call-closed" in button_classes(listing, "tel:0772690350")[0].split()


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    ("endpoint", "support", "title"),
    [
        # The title in Japanese, easy Japanese and English.
        ("public.worried_about_someone", WORRIED_ABOUT_SOMEONE, ("心配なとき", "心配", "worried")),
        ("public.bereaved_by_suicide", BEREAVED_BY_SUICIDE, ("自死で亡くされた", "自死", "lost")),
    ],
)
def test_pages_for_the_people_around_someone_link_help(
    client: FlaskClient, public_app: Flask, demo: Session, lang: str, endpoint, support, title
) -> None:
    html = page(client, public_app, endpoint, lang=lang)
    text = page_text(html)

    assert title[LANGUAGES.index(lang)] in text
    assert f'<html lang="{"en" if lang == "en" else "ja"}"' in html
    listed = set(listed_names(html))
    if lang == "en":  # the English names staff wrote: as many as the Japanese page lists
        listed = set(listed_names(page(client, public_app, endpoint)))
    assert "よりそいホットライン" in listed and listed <= set(support.services)
    with public_app.test_request_context():
        topic = url_for("directory.topic", code="mental-health", lang=lang)
        bereaved = url_for("directory.topic", code="bereaved", lang=lang)
    assert f'href="{topic}"' in html
    # No service of the fact sheet is for the bereaved yet: the page never links an empty list.
    assert f'href="{bereaved}"' not in html
    assert 'href="tel:119"' in html


def test_a_topic_is_linked_once_a_service_lists_it(
    client: FlaskClient, public_app: Flask, demo: Session
) -> None:
    service = service_named(demo, "よりそいホットライン")
    term = demo.scalar(select(TaxonomyTerm).where(TaxonomyTerm.code == "bereaved"))
    assert term is not None
    service.topics = [*service.topics, term]
    demo.commit()

    html = page(client, public_app, "public.bereaved_by_suicide")

    with public_app.test_request_context():
        assert f'href="{url_for("directory.topic", code="bereaved")}"' in html
