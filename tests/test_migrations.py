"""Migrations: an empty database upgraded to head has exactly the models' schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import core.profile  # noqa: F401  (registers the profile table)
import directory.models  # noqa: F401
from core.db import Base, make_engine
from core.migrate import alembic_config, current_revision, upgrade_to_head
from tests.conftest import SERVER_URL
from tests.databases import fresh_database


def test_alembic_head_matches_the_models(tmp_path: Path) -> None:
    with fresh_database(SERVER_URL, tmp_path) as url:
        engine = make_engine(url)
        upgrade_to_head(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
        engine.dispose()

    assert differences == []


def test_migrations_go_down_and_up_again(tmp_path: Path) -> None:
    with fresh_database(SERVER_URL, tmp_path) as url:
        engine = make_engine(url)
        upgrade_to_head(engine)
        head = current_revision(engine)
        command.downgrade(alembic_config(engine), "base")
        assert current_revision(engine) is None
        upgrade_to_head(engine)
        assert current_revision(engine) == head
        engine.dispose()
