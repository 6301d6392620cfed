"""Alembic environment: the engine comes from the caller (``core.migrate``), never from a file."""

from __future__ import annotations

from alembic import context

import backoffice.notifications.models
import backoffice.outreach.models
import backoffice.referrals.casework
import backoffice.referrals.models
import backoffice.service_lists.models
import backoffice.staff.models
import backoffice.statistics.models
import backoffice.training.models  # noqa: F401
import cards.models  # noqa: F401
import core.audit
import core.profile  # noqa: F401
import directory.models
import directory.search.index  # noqa: F401
from core.db import Base

config = context.config
target_metadata = Base.metadata


def include_object(
    obj: object, name: str | None, kind: str, reflected: bool, compare_to: object
) -> bool:
    # SQLite's FTS5 search index and its shadow tables are made by directory.search.fts_tables.
    return not (kind == "table" and reflected and (name or "").startswith("service_search_fts"))


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch migrations rebuild a table (copy, drop, rename); with foreign keys enforced,
            # dropping a table that other rows reference would fail. Checked again below.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            if broken:
                raise RuntimeError(f"migration left rows with broken references: {broken[:5]}")


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `flask --app wsgi tsunagu init`")
run_migrations_online()
