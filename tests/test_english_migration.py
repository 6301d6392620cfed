"""Migration 0035: the English fields and the easy-Japanese summary, up and down with data."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

from core.db import make_engine
from core.migrate import alembic_config
from tests.conftest import SERVER_URL
from tests.databases import fresh_database

SERVICE_COLUMNS = {
    "name_en", "audience_en", "summary_en", "hours_note_en", "cost_note_en", "summary_easy",
}  # fmt: skip
NOW = "2026-01-01 00:00:00+00:00"


def _columns(engine, table: str) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns(table)}


def test_the_english_fields_arrive_empty_and_leave_the_rows_as_they_were(tmp_path: Path) -> None:
    with fresh_database(SERVER_URL, tmp_path) as url:
        engine = make_engine(url)
        config = alembic_config(engine)
        command.upgrade(config, "0034")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO organization (id, name, name_kana, description, website, email,"
                    " status, created_at, updated_at)"
                    " VALUES ('o1', '団体', '', '', '', '', 'active', :now, :now)"
                ),
                {"now": NOW},
            )
            connection.execute(
                text(
                    "INSERT INTO service (id, organization_id, name, name_kana, description, url,"
                    " email, audience, audiences, hours_note, closed_on_holidays,"
                    " closed_over_year_end, contact_note, cost, cost_note, languages_note,"
                    " address, area, status, is_dedicated_window, is_crisis_line, sort_order,"
                    " confidence, needs_check, check_note, contact_confirmed, source_url,"
                    " source_date, verified_by, created_at, updated_at)"
                    " VALUES ('s1', 'o1', '相談窓口', '', '', '', '', '誰でも', '[]', '', false,"
                    " false, '', 'free', '', '', '', 'national', 'published', false, false, 0,"
                    " 'low', true, '', true, '', '', '', :now, :now)"
                ),
                {"now": NOW},
            )

        command.upgrade(config, "0035")
        assert _columns(engine, "service") >= SERVICE_COLUMNS
        assert "name_en" in _columns(engine, "organization")
        with engine.connect() as connection:
            row = connection.execute(
                text("SELECT name, name_en, summary_en, summary_easy FROM service")
            ).one()
            organization = connection.execute(text("SELECT name_en FROM organization")).one()
        assert tuple(row) == ("相談窓口", "", "", "")
        assert organization.name_en == ""

        command.downgrade(config, "0034")
        assert not SERVICE_COLUMNS & _columns(engine, "service")
        assert "name_en" not in _columns(engine, "organization")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT name, audience FROM service")).one() == (
                "相談窓口",
                "誰でも",
            )
        engine.dispose()
