"""Migrations: an empty database upgraded to head has exactly the models' schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

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


def test_a_database_with_data_upgrades_from_the_first_schema(tmp_path: Path) -> None:
    """Existing rows survive every migration (SQLite rebuilds tables to alter them)."""
    from sqlalchemy import text

    with fresh_database(SERVER_URL, tmp_path) as url:
        engine = make_engine(url)
        command.upgrade(alembic_config(engine), "0001")
        with engine.begin() as connection:
            now = "2026-01-01 00:00:00+00:00"
            connection.execute(
                text(
                    "INSERT INTO organization (id, name, name_kana, created_at, updated_at)"
                    " VALUES ('o1', '団体', '', :now, :now)"
                ),
                {"now": now},
            )
            columns = (
                "id, organization_id, name, name_kana, audience, topics, hours_note, contact_note,"
                " cost, cost_note, languages_note, address, area, status, sort_order, confidence,"
                " needs_check, check_note, source_url, source_date, verified_by, created_at,"
                " updated_at"
            )
            connection.execute(
                text(
                    f"INSERT INTO service ({columns}) VALUES ('s1', 'o1', '窓口', '', '', '[]',"  # noqa: S608
                    " '', '', 'free', '', '', '', 'national', 'published', 0, 'high', false,"
                    " '', '', '', '', :now, :now)"
                ),
                {"now": now},
            )
            connection.execute(
                text(
                    "INSERT INTO contact_channel (service_id, kind, value, label, sort_order)"
                    " VALUES ('s1', 'phone', '0120-000-000', '', 0)"
                )
            )

        upgrade_to_head(engine)

        with engine.connect() as connection:
            assert connection.execute(text("SELECT name FROM service")).scalar_one() == "窓口"
            assert connection.execute(text("SELECT count(*) FROM contact_channel")).scalar() == 1
        engine.dispose()


def test_the_open_case_indexes_hold_the_open_statuses_of_the_models(engine: Engine) -> None:
    """Queries spell the open statuses out to use these indexes: the database must agree."""
    from backoffice.referrals.models import OPEN_STATUSES

    names = ("ix_referral_open_by_assignee", "ix_referral_unacknowledged",
             "ix_referral_uncontacted_by_status")  # fmt: skip
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            query = "SELECT sql FROM sqlite_master WHERE name = :name"
        else:
            query = "SELECT indexdef FROM pg_indexes WHERE indexname = :name"
        for name in names:
            definition = connection.execute(text(query), {"name": name}).scalar_one()
            assert all(f"'{status}'" in definition for status in OPEN_STATUSES), name
