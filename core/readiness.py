"""Is this process ready for requests: the database answers and its schema is the code's.

``/healthz`` says only that the process is alive (a load balancer restarts what does not answer
it); ``/readyz`` says whether requests can be served (a load balancer sends traffic only where
it answers 200), so a database down or a migration not yet run takes the process out of
rotation without restarting it.

The schema is at head when Alembic's recorded revision is the newest the code ships. The app's
own roles on PostgreSQL may not read Alembic's table (only the owner running migrations may,
``core.dbroles``); for them the catalogue is read instead (visible to every role): every table
and column the loaded models declare must exist. A migration that changes only data or indexes
is not seen that way, which is why the revision is preferred where it can be read.
"""

from __future__ import annotations

from functools import cache

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from core.db import Base
from core.migrate import MIGRATIONS

INSUFFICIENT_PRIVILEGE = "42501"  # PostgreSQL's SQLSTATE for "permission denied"
CATALOGUE_COLUMNS = text(
    "SELECT c.relname, a.attname FROM pg_catalog.pg_attribute a"
    " JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    " WHERE n.nspname = ANY (current_schemas(false)) AND c.relkind IN ('r', 'p')"
    " AND a.attnum > 0 AND NOT a.attisdropped"
)


def not_ready_because(engine: Engine, metadata: MetaData = Base.metadata) -> str | None:
    """None when ready; otherwise a short reason without any detail of the database's
    (it is shown to whoever asks /readyz; the log has the error)."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            return _schema_reason(connection, metadata)
    except SQLAlchemyError:
        return "database unreachable"


@cache
def code_heads() -> frozenset[str]:
    """The newest revisions the code ships (read from the migration files once per process)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def _schema_reason(connection: Connection, metadata: MetaData) -> str | None:
    try:
        current = frozenset(MigrationContext.configure(connection).get_current_heads())
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
            raise
        connection.rollback()
        return _catalogue_reason(connection, metadata)
    if current == code_heads():
        return None
    return "database schema is not the code's (run: flask --app wsgi tsunagu init)"


def _catalogue_reason(connection: Connection, metadata: MetaData) -> str | None:
    found = {(table, column) for table, column in connection.execute(CATALOGUE_COLUMNS)}
    declared = {
        (table.name, column.name) for table in metadata.tables.values() for column in table.c
    }
    if declared <= found:
        return None
    return "database schema lacks tables or columns the code needs (run the migrations)"
