"""Fixtures from the factories: settings, a migrated database, both apps and their clients."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from backoffice import create_app as create_backoffice_app
from core.audit_chain import configure_audit_key
from core.config import Settings
from core.crypto import decode_key
from core.db import Base, get_engine, make_engine
from core.migrate import upgrade_to_head
from public_site import create_app as create_public_app
from tests.databases import fresh_database
from tests.demo_copies import DemoCopies

SERVER_URL = os.environ.get("TEST_DATABASE_URL") or None
NEUTRAL_URL = "https://neutral.example/"
# Fixed test keys (32 bytes of 0, 1 or 2, base64): never used outside the tests.
TEST_DATA_KEYS = "test1:" + "A" * 43 + "="
TEST_BLIND_INDEX_KEY = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
TEST_AUDIT_KEY = "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="


@pytest.fixture(autouse=True, scope="session")
def _audit_key() -> None:
    """Services record audit events without an app; sign them with the test audit key."""
    configure_audit_key(decode_key(TEST_AUDIT_KEY))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(SERVER_URL, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade_to_head(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def clean_db(engine: Engine) -> Iterator[Engine]:
    """Empty every table after the test, so each test starts from the migrated schema."""
    yield engine
    with Session(engine) as session, session.begin():
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))


@pytest.fixture
def session(clean_db: Engine) -> Iterator[Session]:
    with Session(clean_db) as session:
        yield session


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        env="test",
        instance_path=tmp_path / "instance",
        database_url=database_url,
        public_secret_key="public-" + "p" * 40,
        backoffice_secret_key="backoffice-" + "b" * 40,
        public_base_url="https://tsunagu.test",
        quick_exit_url=NEUTRAL_URL,
        data_keys=TEST_DATA_KEYS,
        blind_index_key=TEST_BLIND_INDEX_KEY,
        audit_key=TEST_AUDIT_KEY,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
    )


@pytest.fixture(scope="session")
def demo_copies() -> DemoCopies:
    return DemoCopies()


@pytest.fixture
def demo(session: Session, settings: Settings, demo_copies: DemoCopies) -> Session:
    """The demo profile and directory, loaded as `tsunagu demo` loads them (a copy of the run's
    first load where the database is as that load found it: tests/demo_copies.py)."""
    return demo_copies.demo(session, settings)


@pytest.fixture
def empty_app(settings: Settings, tmp_path: Path) -> Iterator[Flask]:
    """The back office on a database of its own that no migration has touched yet."""
    with fresh_database(SERVER_URL, tmp_path) as url:
        app = create_backoffice_app(replace(settings, database_url=url))
        yield app
        get_engine(app).dispose()


def _testing(app: Flask) -> Iterator[Flask]:
    app.config["TESTING"] = True
    yield app
    get_engine(app).dispose()


@pytest.fixture
def public_app(settings: Settings, clean_db: Engine) -> Iterator[Flask]:
    yield from _testing(create_public_app(settings))


@pytest.fixture
def backoffice_app(settings: Settings, clean_db: Engine) -> Iterator[Flask]:
    yield from _testing(create_backoffice_app(settings))


@pytest.fixture
def site(settings: Settings, clean_db: Engine) -> Iterator[Flask]:
    """The public site with its caches (page cache, kept page parts), as served."""
    yield from _testing(create_public_app(replace(settings, cache_url="simple")))


@pytest.fixture
def uncached_site(settings: Settings, clean_db: Engine) -> Iterator[Flask]:
    """The public site rendering every page in full: the reference for what a page shows."""
    yield from _testing(create_public_app(replace(settings, cache_url="none")))


@pytest.fixture
def client(public_app: Flask) -> FlaskClient:
    return public_app.test_client()


@pytest.fixture
def staff_client(backoffice_app: Flask) -> FlaskClient:
    return backoffice_app.test_client()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests for the other database's own features are deselected (listed, never run).

    `make test` runs the suite on SQLite, CI again on PostgreSQL, so each runs somewhere.
    """
    other = "sqlite_only" if SERVER_URL else "postgres_only"
    deselected = [item for item in items if item.get_closest_marker(other)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker(other)]


@pytest.fixture
def other_engine(tmp_path: Path) -> Iterator[Engine]:
    """A second, empty directory to import into."""
    with fresh_database(SERVER_URL, tmp_path) as url:
        engine = make_engine(url)
        upgrade_to_head(engine)
        yield engine
        engine.dispose()
