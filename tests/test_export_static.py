"""`tsunagu export-static DIR`: the public site as static files that work from a USB stick: every
page in both languages, each link resolving to an exported file relative to its page, no link
back to the site, no form that needs the server, no script that was not a file before."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import Settings
from core.db import get_engine, make_engine
from core.migrate import upgrade_to_head
from directory.models import Service
from public_site.export_links import LINK
from tests.conftest import (
    NEUTRAL_URL,
    SERVER_URL,
    TEST_AUDIT_KEY,
    TEST_BLIND_INDEX_KEY,
    TEST_DATA_KEYS,
)
from tests.databases import fresh_database
from tests.demo_copies import load_demo
from wsgi import create_combined_app

BASE_URL = "https://tsunagu.test"
SETTINGS = Settings(
    env="test",
    public_secret_key="public-" + "p" * 40,
    backoffice_secret_key="backoffice-" + "b" * 40,
    quick_exit_url=NEUTRAL_URL,
    data_keys=TEST_DATA_KEYS,
    blind_index_key=TEST_BLIND_INDEX_KEY,
    audit_key=TEST_AUDIT_KEY,
)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Flask]]:
    """One export of the demo, on a database of its own, for the module's tests (rendering
    some 130 pages takes seconds), made with the command as an operator runs it."""
    directory = tmp_path_factory.mktemp("export")
    with fresh_database(SERVER_URL, directory) as url:
        settings = replace(
            SETTINGS,
            instance_path=directory / "instance",
            database_url=url,
            public_base_url=BASE_URL,
        )
        engine = make_engine(url)
        upgrade_to_head(engine)
        with Session(engine) as session:
            load_demo(session, settings)
        engine.dispose()
        app = create_combined_app(settings)
        out = directory / "site"
        result = app.test_cli_runner().invoke(args=["tsunagu", "export-static", str(out)])
        assert result.exit_code == 0, result.output
        assert "exported" in result.output
        yield out, app
        get_engine(app).dispose()


def pages(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


def test_every_language_every_published_service_and_the_card_files_are_exported(
    exported: tuple[Path, Flask],
) -> None:
    out, app = exported
    with Session(get_engine(app)) as session:
        services = session.scalars(select(Service.id).where(Service.status == "published")).all()
    assert services
    for lang in ("", "easy/", "en/"):
        for page in (
            "index.html",
            "directory/index.html",
            "privacy/index.html",
            "cards/index.html",
        ):
            assert (out / lang / page).is_file(), lang + page
        for service_id in services:
            assert (out / lang / "directory" / "services" / service_id / "index.html").is_file()
        assert (out / lang / "directory" / "topics" / "debt" / "index.html").is_file()
    assert (out / "directory" / "page-2" / "index.html").is_file()  # the listing's next page
    assert (out / "static" / "css" / "site.css").is_file()
    assert (out / "cards" / "generic" / "card.pdf").read_bytes().startswith(b"%PDF")
    assert (out / "cards" / "generic" / "card.png").read_bytes().startswith(b"\x89PNG")
    assert 'href="tel:119"' in (out / "index.html").read_text(encoding="utf-8")
    assert "<ruby>" in (out / "easy" / "index.html").read_text(encoding="utf-8")


def test_every_internal_link_resolves_to_an_exported_file_relative_to_its_page(
    exported: tuple[Path, Flask],
) -> None:
    out, _ = exported
    checked = 0
    for page in pages(out):
        for _, value in LINK.findall(page.read_text(encoding="utf-8")):
            parts = urlsplit(value)
            if parts.scheme or value.startswith("#"):
                continue  # another site, a phone number, a place on the page
            assert not value.startswith("/"), (page, value)
            target = posixpath.normpath(posixpath.join(str(page.parent), parts.path))
            assert Path(target).is_file(), (page.relative_to(out), value)
            checked += 1
    assert checked > 1000


def test_no_page_links_back_to_the_site_or_holds_a_form(exported: tuple[Path, Flask]) -> None:
    out, _ = exported
    host = urlsplit(BASE_URL).netloc
    for page in pages(out):
        html = page.read_text(encoding="utf-8")
        assert not re.search(rf'(href|src)="https?://{re.escape(host)}', html), page
        assert "<form" not in html, page


def test_the_search_form_becomes_the_topics_and_each_page_says_it_is_a_copy(
    exported: tuple[Path, Flask],
) -> None:
    out, _ = exported
    ja = (out / "directory" / "index.html").read_text(encoding="utf-8")
    en = (out / "en" / "directory" / "index.html").read_text(encoding="utf-8")

    assert 'href="topics/debt/index.html"' in ja and 'href="topics/debt/index.html"' in en
    assert "ことばや条件でさがすことはできません" in ja
    assert "This copy cannot search by words or conditions" in en
    assert re.search(r"このページは\d{4}年\d{1,2}月\d{1,2}日時点の写しです", ja)
    assert "This page is a copy made on" in en


def test_scripts_stay_files_and_what_needs_the_server_is_left_out(
    exported: tuple[Path, Flask],
) -> None:
    out, _ = exported
    for page in pages(out):
        html = page.read_text(encoding="utf-8")
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert len(scripts) == 1, page  # the quick exit's file, as on the site
        assert re.fullmatch(r'<script src="[./]*static/js/quick-exit\.js" defer>', scripts[0])
        assert "<script></script>" not in html and "offline.js" not in html, page
        assert 'rel="manifest"' not in html and "now-state" not in html, page
        assert 'class="status ' not in html, page


def test_a_directory_that_holds_files_is_refused(settings: Settings, demo, tmp_path: Path) -> None:
    app = create_combined_app(settings)
    (tmp_path / "kept.txt").write_text("someone's file")

    result = app.test_cli_runner().invoke(args=["tsunagu", "export-static", str(tmp_path)])

    assert result.exit_code != 0
    assert "not empty" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["kept.txt"]
    get_engine(app).dispose()
