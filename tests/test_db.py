"""The database kernel: one session per request, rolled back on error, SQLite tuned."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask, g
from sqlalchemy import select, text

from core.db import UTCDateTime, get_session, make_engine
from core.profile import MunicipalityProfile, Profile, read_profile_file, store_profile


def test_one_session_per_request_closed_at_teardown(public_app: Flask) -> None:
    with public_app.test_request_context("/"):
        first = get_session()
        assert get_session() is first
        public_app.do_teardown_appcontext()
        assert "db_session" not in g


def test_a_failing_request_saves_nothing(public_app: Flask, settings) -> None:
    profile = read_profile_file(settings.profile_path)

    @public_app.route("/boom")
    def boom() -> str:
        session = get_session()
        store_profile(session, profile)
        session.flush()
        raise RuntimeError("fails after writing")

    response = public_app.test_client().get("/boom")

    assert response.status_code == 500
    with public_app.app_context():
        assert get_session().scalar(select(MunicipalityProfile)) is None


def test_sqlite_enforces_foreign_keys_and_uses_wal(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()


def test_utc_datetime_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1), None)  # noqa: DTZ001


def test_stored_profile_round_trips(session, settings) -> None:
    profile: Profile = read_profile_file(settings.profile_path)

    assert store_profile(session, profile) is True
    session.commit()
    assert store_profile(session, profile) is False

    from core.profile import get_profile

    assert get_profile(session, fallback=None) == profile  # type: ignore[arg-type]


def test_a_database_error_never_shows_the_values_it_was_given(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with engine.connect() as connection, pytest.raises(Exception) as refused:
        connection.execute(text("SELECT * FROM no_such_table WHERE x = :x"), {"x": "090-1234-5678"})

    assert "no_such_table" in str(refused.value)
    assert "090-1234-5678" not in str(refused.value)
