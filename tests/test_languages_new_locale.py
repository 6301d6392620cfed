"""Adding a language is a catalogue and an entry in core.i18n: proven with a test locale
(Vietnamese, one of the languages foreign residents of Japan speak), made here in a temporary
directory. Its pages get their own prefix, <html lang>, hreflang, a place in the switch, the
catalogue's text, and the Japanese directory text marked in its own words."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask import Flask
from flask_babel import get_babel
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core import i18n
from core.config import Settings
from core.db import get_engine
from directory.models import Service
from public_site import create_app
from tests.test_languages_pages import links

TRANSLATED = {
    "すぐに閉じる": "Thoát nhanh",
    "相談窓口の案内": "Nơi tư vấn",
    "（日本語）": "(tiếng Nhật)",
}


@pytest.fixture
def vietnamese_site(
    settings: Settings, clean_db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Flask]:
    catalogue = Catalog(locale="vi")
    for japanese, vietnamese in TRANSLATED.items():
        catalogue.add(japanese, vietnamese)
    target = tmp_path / "translations" / "vi" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as handle:
        write_mo(handle, catalogue)
    vietnamese = i18n.Language("vi", "vi", "vi", "vi", "Tiếng Việt", japanese=False)
    monkeypatch.setitem(i18n.LANGUAGE_INFO, "vi", vietnamese)
    monkeypatch.setattr(i18n, "LANGUAGES", (*i18n.LANGUAGES, "vi"))
    app = create_app(replace(settings, cache_url="none"))
    app.config["TESTING"] = True
    with app.app_context():
        get_babel(app).translation_directories.append(str(tmp_path / "translations"))
    yield app
    get_engine(app).dispose()


def test_a_new_locale_gets_its_pages_switch_and_alternates(
    vietnamese_site: Flask, demo: Session
) -> None:
    client = vietnamese_site.test_client()

    response = client.get("/vi/privacy")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert "Thoát nhanh" in html  # from the test catalogue
    found = links(html)
    assert found.alternates["vi"] == "https://tsunagu.test/vi/privacy"
    assert found.switch["ja"] == "/privacy" and found.current == ["vi"]
    assert 'href="/vi/directory"' in html  # links stay in the language
    japanese = links(client.get("/privacy").get_data(as_text=True))
    assert japanese.switch["vi"] == "/vi/privacy"


def test_a_new_locale_marks_directory_text_it_has_no_fields_for(
    vietnamese_site: Flask, demo: Session
) -> None:
    service = demo.scalar(select(Service).where(Service.name == "よりそいホットライン"))
    assert service is not None

    html = (
        vietnamese_site.test_client()
        .get(f"/vi/directory/services/{service.id}")
        .get_data(as_text=True)
    )

    assert '<span lang="ja" class="fallback">よりそいホットライン</span>' in html
    assert '<span class="fallback-note">(tiếng Nhật)</span>' in html
