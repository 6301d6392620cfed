"""The demo, loaded for real once per run and copied into the test database for later tests.

Loading it (an HSDS import with every check, the synonyms, the crisis words, the search index
and the card setup) takes a second or more, and a quarter of the suite asks for it. So the
first test to ask loads it as ``tsunagu demo`` does, and the result is kept: on SQLite a copy
of the whole file (SQLite's backup API, so the FTS5 tables and their triggers come along), on
PostgreSQL each table's rows in COPY's binary form, the sequences then moved past them. A later
test that finds the database as that load found it (the same rows, at most a few, as a cleaned
database keeps its content_version row; the same schema, profile, keys and day; its clock not
moved by time_machine) gets the copy; any other gets a real load. So a copy only stands in for
the very load it recorded; the ids of the copied rows are the first load's. Search tests that
load the directory alone (with their own extra steps) keep copies of their loads the same way."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from psycopg import sql
from sqlalchemy import Connection, Engine, exists, literal, select, text
from sqlalchemy.orm import Session

from cards.designs import ensure_card_setup
from core.config import Settings
from core.db import Base
from core.profile import read_profile_file, store_profile
from core.timezone import TOKYO
from directory.demo import load_demo_directory

# time_machine moves Python's clock, never the database's: a test whose clock is further than
# this from the database's has travelled, and its demo gets its own (travelled) timestamps.
CLOCK_SLACK_SECONDS = 5
# A database holding more than this in any table before the load is not one the copy is for.
FEW_ROWS = 3


def load_demo(session: Session, settings: Settings) -> None:
    """The demo profile, directory and card setup, as ``tsunagu demo`` stores them."""
    profile = read_profile_file(settings.profile_path)
    store_profile(session, profile)
    load_demo_directory(session)
    ensure_card_setup(session, profile)
    session.commit()


@dataclass(frozen=True)
class Before:
    """What a load depends on besides the code: the settings it reads, the day (yearly closed
    days are laid out from it) and the rows already there (a cleaned database keeps its
    content_version row)."""

    what: str  # which loader
    settings: tuple[str, ...]
    day: str
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Copy:
    before: Before
    schemas: frozenset[str]  # the schema the load found and the one it left (FTS5 tables)
    sqlite_file: Path | None
    tables: tuple[tuple[str, bytes], ...]  # PostgreSQL: each table's rows, COPY binary
    sequences: tuple[tuple[str, str, str], ...]  # PostgreSQL: table, column, sequence


class DemoCopies:
    """A copy per database, loader and state found, made by the first real load from there."""

    def __init__(self) -> None:
        self._copies: dict[tuple[str, Before], Copy] = {}

    def demo(self, session: Session, settings: Settings) -> Session:
        """The demo profile, directory and card setup, as ``tsunagu demo`` stores them."""
        return self._load(session, "demo", lambda loading: load_demo(loading, settings), settings)

    def load(self, session: Session, loader: Callable[[Session], None]) -> Session:
        """What ``loader`` (a module-level function that commits) stores, from the demo alone."""
        return self._load(session, f"{loader.__module__}.{loader.__qualname__}", loader, None)

    def _load(
        self,
        session: Session,
        what: str,
        loader: Callable[[Session], None],
        settings: Settings | None,
    ) -> Session:
        engine = session.get_bind()
        assert isinstance(engine, Engine)
        with engine.connect() as connection:
            before = _before(connection, what, settings)
            schema = _schema(connection)
            if session.in_transaction() or _travelled(connection):
                before = None
        found = (engine.url.render_as_string(), before) if before is not None else None
        copy = self._copies.get(found) if found is not None else None
        if copy is not None and schema in copy.schemas:
            _restore(engine, copy)
            return session
        loader(session)
        if found is not None and copy is None:
            self._copies[found] = _take(engine, found[1], schema)
        return session


def _before(connection: Connection, what: str, settings: Settings | None) -> Before | None:
    read: tuple[str, ...] = ()
    if settings is not None:
        path = Path(settings.profile_path)
        if not path.is_file():
            return None
        profile = hashlib.sha256(path.read_bytes()).hexdigest()
        keys = (settings.data_keys, settings.blind_index_key, settings.audit_key)
        read = (str(path), profile, *keys)
    tables = Base.metadata.sorted_tables
    filled = connection.execute(
        select(*(exists(select(literal(1)).select_from(t)).label(t.name) for t in tables))
    ).one()
    rows = []
    for table, full in zip(tables, filled, strict=True):
        if full:
            found = connection.execute(select(table).limit(FEW_ROWS + 1)).all()
            if len(found) > FEW_ROWS:
                return None
            rows.append((table.name, repr(found)))
    day = datetime.now(TOKYO).date().isoformat()
    return Before(what, read, day, tuple(rows))


def _travelled(connection: Connection) -> bool:
    if connection.dialect.name == "sqlite":
        now = "SELECT (julianday('now') - 2440587.5) * 86400.0"
    else:
        now = "SELECT extract(epoch FROM clock_timestamp())"
    return abs(float(connection.scalar(text(now))) - time.time()) > CLOCK_SLACK_SECONDS


def _schema(connection: Connection) -> str:
    if connection.dialect.name == "sqlite":
        query = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
    else:
        query = (
            "SELECT table_name, ordinal_position, column_name, data_type, column_default"
            " FROM information_schema.columns WHERE table_schema = current_schema()"
            " ORDER BY table_name, ordinal_position"
        )
    rows = connection.execute(text(query)).all()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _take(engine: Engine, before: Before, schema_before: str) -> Copy:
    with engine.connect() as connection:
        schemas = frozenset({schema_before, _schema(connection)})
        raw = connection.connection.driver_connection
        if engine.dialect.name == "sqlite":
            assert isinstance(raw, sqlite3.Connection) and engine.url.database
            # A file of its own beside the database: one database keeps a copy per loader.
            name = hashlib.sha256(repr(before).encode()).hexdigest()[:16]
            path = Path(engine.url.database).with_suffix(f".copy-{name}")
            path.unlink(missing_ok=True)
            target = sqlite3.connect(path)
            raw.backup(target)
            target.close()
            return Copy(before, schemas, path, (), ())
        tables, sequences = [], []
        with raw.cursor() as cursor:
            for table in Base.metadata.sorted_tables:
                if not connection.scalar(exists(select(literal(1)).select_from(table)).select()):
                    continue
                with cursor.copy(
                    sql.SQL("COPY {} TO STDOUT (FORMAT BINARY)").format(sql.Identifier(table.name))
                ) as out:
                    tables.append((table.name, b"".join(bytes(block) for block in out)))
                for column in table.primary_key.columns:
                    serial = "SELECT pg_get_serial_sequence(%s, %s)"
                    sequence = cursor.execute(serial, (table.name, column.name)).fetchone()[0]
                    if sequence:
                        sequences.append((table.name, column.name, sequence))
        connection.rollback()
    return Copy(before, schemas, None, tuple(tables), tuple(sequences))


def _restore(engine: Engine, copy: Copy) -> None:
    if copy.sqlite_file is not None:
        with engine.connect() as connection:
            source = sqlite3.connect(copy.sqlite_file)
            source.backup(connection.connection.driver_connection)
            source.close()
        return
    with engine.begin() as connection, connection.connection.driver_connection.cursor() as cursor:
        for name, _rows in reversed(copy.before.rows):  # the load replaced them
            cursor.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(name)))
        for name, data in copy.tables:
            copy_in = sql.SQL("COPY {} FROM STDIN (FORMAT BINARY)").format(sql.Identifier(name))
            with cursor.copy(copy_in) as into:
                into.write(data)
        for name, column, sequence in copy.sequences:
            # On past the copied rows, as the real load would have moved it; never back.
            move_on = sql.SQL(
                "SELECT setval(%s, GREATEST((SELECT max({}) FROM {}), (SELECT last_value FROM {})))"
            ).format(
                sql.Identifier(column), sql.Identifier(name), sql.Identifier(*sequence.split("."))
            )
            cursor.execute(move_on, (sequence,))
