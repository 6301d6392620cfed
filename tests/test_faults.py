"""Faults survived: the database or Redis gone while serving, PostgreSQL's connections cut.

"Gone" is simulated without touching the machine's servers: an app's engine is swapped for one
pointing at a closed port or a missing file, Redis is given as a closed port, and PostgreSQL's
connections are ended with ``pg_terminate_backend`` (never a restart of the shared server).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from backoffice import create_app as create_backoffice_app
from backoffice.staff.models import LoginThrottle
from core.audit import AuditEvent
from core.config import Settings
from core.db import get_engine, make_engine
from directory.models import Service
from public_site import create_app as create_public_app
from tests.helpers import without_phrase_breaks
from tests.staff import post_form

CLOSED_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1
NOON = datetime(2026, 3, 3, 3, 0, tzinfo=UTC)  # a Tuesday, noon in Tokyo
DEAD_DATABASES = {
    "postgresql-closed-port": "postgresql+psycopg://tsunagu@127.0.0.1:1/tsunagu",
    "sqlite-missing-file": "sqlite:///{tmp}/gone/tsunagu.sqlite3",
}


def unplug(app: Flask, url: str) -> None:
    """From now on every connection the app opens fails, as when its database went away."""
    get_engine(app).dispose()
    engine = make_engine(url)
    app.extensions["tsunagu.engine"] = engine
    app.extensions["tsunagu.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)


@pytest.fixture(params=sorted(DEAD_DATABASES))
def dead_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return DEAD_DATABASES[request.param].format(tmp=tmp_path)


@pytest.fixture
def public(settings: Settings, clean_db: Engine) -> Iterator[Flask]:
    """The public site rendering every page (no page cache), its clock at noon in Tokyo."""
    app = create_public_app(replace(settings, cache_url="none"))
    app.config["TSUNAGU_CLOCK"] = lambda: NOON
    yield app
    get_engine(app).dispose()


def helping(html: str) -> str:
    page = without_phrase_breaks(html)
    assert "data-now-block" in page and "いますぐ話したい" in page
    assert 'href="tel:119"' in page and 'href="tel:110"' in page
    assert "Traceback" not in page and "OperationalError" not in page
    return page


def test_public_pages_keep_the_lines_last_read_when_the_database_goes_away(
    public: Flask, demo: Session, dead_url: str
) -> None:
    client = public.test_client()
    service_id = demo.scalar(select(Service.id).where(Service.status == "published"))
    pages = ["/", "/directory", f"/directory/services/{service_id}"]
    before = [client.get(page) for page in pages]
    assert [response.status_code for response in before] == [200, 200, 200]
    lines = without_phrase_breaks(before[0].get_data(as_text=True)).count('class="now-line ')
    assert lines > 0

    unplug(public, dead_url)
    after = [client.get(page) for page in pages]

    assert [response.status_code for response in after] == [500, 500, 500]
    for response in after:
        page = helping(response.get_data(as_text=True))
        assert page.count('class="now-line ') == lines  # the lines read before, still a tap away
        assert "Set-Cookie" not in response.headers


def test_a_process_that_never_reached_the_database_shows_the_profile_numbers(
    settings: Settings, dead_url: str
) -> None:
    app = create_public_app(replace(settings, database_url=dead_url, cache_url="none"))
    client = app.test_client()
    for page in ["/", "/directory", "/en/directory"]:
        response = client.get(page)
        assert response.status_code == 500
        html = response.get_data(as_text=True)
        assert 'href="tel:119"' in html and 'href="tel:0772690350"' in html  # the profile file
        assert "data-now-block" in html
    get_engine(app).dispose()


def test_a_page_kept_this_minute_is_served_while_the_database_is_down(
    settings: Settings, demo: Session, clean_db: Engine, dead_url: str
) -> None:
    app = create_public_app(replace(settings, cache_url="simple"))
    app.config["TSUNAGU_CLOCK"] = lambda: NOON
    client = app.test_client()
    kept = client.get("/")
    unplug(app, dead_url)

    again = client.get("/")

    assert again.status_code == 200
    assert again.get_data() == kept.get_data()
    get_engine(app).dispose()


def test_sign_in_is_refused_with_a_message_when_redis_is_unreachable(
    settings: Settings, clean_db: Engine
) -> None:
    app = create_backoffice_app(replace(settings, ratelimit_storage_uri=CLOSED_REDIS))
    client = app.test_client()
    assert client.get("/login").status_code == 200  # only attempts are counted

    response = post_form(client, "/login", {"login": "someone", "password": "x" * 12})

    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "回数制限の記録先に接続できないため" in page and "ログイン画面に戻る" in page
    assert 'href="tel:119"' in page
    with Session(clean_db) as session:  # refused before the attempt was even looked at
        assert session.scalar(select(func.count()).select_from(LoginThrottle)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0
    get_engine(app).dispose()


@pytest.mark.postgres_only
def test_the_next_request_works_after_postgresql_ended_the_pool_connections(
    public: Flask, demo: Session, clean_db: Engine
) -> None:
    client = public.test_client()
    assert client.get("/directory").status_code == 200
    engine = get_engine(public)
    with engine.connect() as connection:  # the connection the pages used, back from the pool
        pid = connection.scalar(text("SELECT pg_backend_pid()"))
    with clean_db.connect() as admin:
        assert admin.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        admin.commit()

    # As after a restart: the pool's connection is dead; pre-ping replaces it unseen.
    assert client.get("/directory").status_code == 200
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT pg_backend_pid()")) != pid
