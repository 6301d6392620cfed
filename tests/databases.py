"""Fresh, throw-away databases for tests: a file for SQLite, a new database on PostgreSQL."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def fresh_database(server_url: str | None, directory: Path) -> Iterator[str]:
    """Yield the URL of a new empty database, dropped afterwards.

    With ``server_url`` (the PostgreSQL given by ``TEST_DATABASE_URL``) a database with a random
    name is created on that server; without it, an SQLite file in ``directory``.
    """
    if not server_url:
        yield f"sqlite:///{directory / f'test-{secrets.token_hex(4)}.sqlite3'}"
        return
    url = make_url(server_url)
    name = f"tsunagu_test_{secrets.token_hex(6)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
