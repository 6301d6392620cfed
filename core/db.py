"""Database: the typed declarative base, the engine, and one lazy session per request."""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)
# Owner only: the file holds staff accounts and case records. SQLite gives its -wal and -shm
# files the main file's permissions, so these follow from the main file's.
SQLITE_FILE_MODE = 0o600
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")

# Stable constraint names, so Alembic migrations read the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str, **options: Any) -> Engine:
    """Create an engine; SQLite gets WAL, enforced foreign keys and a busy timeout.

    A database error never carries the statement's values into a message or a log line
    (``hide_parameters``): they may be what a person typed, a search's words or a contact.
    """
    parsed = make_url(url)
    options.setdefault("hide_parameters", True)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 15}, **options)
        if parsed.database and parsed.database != ":memory:" and not parsed.query.get("uri"):
            path = Path(parsed.database)
            # Just before SQLite opens it, so an engine that never connects makes no file.
            event.listen(engine, "do_connect", lambda *_: make_private_sqlite_file(path))
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **options)


def make_private_sqlite_file(path: Path) -> None:
    """Create the database file readable by its owner only, before SQLite creates it 0644.

    A file made earlier with wider permissions (and its -wal, -shm or -journal) is narrowed.
    Nothing happens where the directory is missing: SQLite then reports that itself.
    """
    if not path.exists() and path.parent.is_dir():
        # O_EXCL: never follow a link planted in the file's place. Another process may make it
        # in between; it is narrowed below.
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SQLITE_FILE_MODE))
    for suffix in SQLITE_COMPANIONS:
        companion = path.with_name(path.name + suffix)
        try:
            found = companion.lstat()
            mode = stat.S_IMODE(found.st_mode)
            if stat.S_ISREG(found.st_mode) and mode & 0o077:
                os.chmod(companion, mode & SQLITE_FILE_MODE)
        except FileNotFoundError:
            continue
        except PermissionError:
            log.warning("cannot narrow the permissions of %s (not its owner)", companion)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    if dbapi_connection.execute("PRAGMA database_list").fetchone()[2]:  # a file, not :memory:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def init_db(app: Flask, database_url: str) -> None:
    engine = make_engine(database_url)
    app.extensions["tsunagu.engine"] = engine
    app.extensions["tsunagu.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def get_engine(app: Flask | None = None) -> Engine:
    return (app or current_app).extensions["tsunagu.engine"]


def get_session() -> Session:
    """The request's session, opened on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["tsunagu.sessionmaker"]()
    return g.db_session


def _close_session(error: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is None:
        return
    if error is not None:
        session.rollback()
    session.close()
