"""Alembic environment: the engine comes from the caller (``core.migrate``), never from a file."""

from __future__ import annotations

from alembic import context

import backoffice.models  # noqa: F401
import core.audit
import core.profile  # noqa: F401
import directory.models  # noqa: F401
from core.db import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `flask --app wsgi tsunagu init`")
run_migrations_online()
