"""Backups that restore: fill, back up, restore into an empty database, compare every table.

On PostgreSQL the restore targets are scratch databases of their own (``tsunagu_test_*``,
`tests.databases`), dropped afterwards: the suite's database is shared by every test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from alembic import command
from click.testing import Result
from flask import Flask
from sqlalchemy import Engine, inspect, select, table, text
from sqlalchemy.orm import Session

from backoffice import create_app as create_backoffice_app
from backoffice.referrals.models import Referral
from cards.batches import count_scan, standing_batch
from core.audit import AuditChainLock, AuditEvent
from core.backup_crypto import new_backup_key
from core.config import Settings
from core.db import Base, get_engine, make_engine
from core.migrate import alembic_config, current_revision
from tests.conftest import SERVER_URL
from tests.databases import fresh_database
from tests.referrals import PERSON_NAME, make_referral
from tests.staff import make_staff

KEY = new_backup_key()


def scratch_database(directory: Path) -> AbstractContextManager[str]:
    """An empty database of its own: a new file, or a new database on the test server."""
    return fresh_database(SERVER_URL, directory)


@contextmanager
def app_on(settings: Settings, url: str) -> Iterator[Flask]:
    app = create_backoffice_app(replace(settings, database_url=url))
    try:
        yield app
    finally:
        get_engine(app).dispose()


def run(app: Flask, *args: str, key: str = KEY) -> Result:
    return app.test_cli_runner().invoke(args=["tsunagu", *args], env={"TSUNAGU_BACKUP_KEY": key})


def backup_time(output: str) -> str:
    found = re.search(r"^backup of (\S+) \(", output, re.MULTILINE)
    assert found is not None, output
    return found.group(1)


def every_row(engine: Engine) -> dict[str, list[str]]:
    """Every table's rows as stored (ciphertexts, not plaintexts), in a stable order."""
    with engine.connect() as connection:
        names = set(inspect(connection).get_table_names()) | set(Base.metadata.tables)
        rows = {name: connection.execute(select(text("*")).select_from(table(name))).all()
                for name in sorted(names)}  # fmt: skip
        return {name: sorted(repr(tuple(row)) for row in found) for name, found in rows.items()}


def restored_rows(engine: Engine, created_at: str) -> dict[str, list[str]]:
    """Every row as the backup held it: the restore's own audit event, the trail's last and
    naming the backup, is taken away."""
    rows = every_row(engine)
    with Session(engine) as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.position.desc())).first()
        lock = session.get(AuditChainLock, 1)  # SQLite's chain lock counts the event's write
    assert last is not None and last.action == "system.restore"
    assert (last.actor_id, last.client_network) == (None, "server shell")
    assert last.reason is not None and created_at in last.reason
    kept = [row for row in rows["audit_event"] if last.hash not in row]
    assert len(kept) == len(rows["audit_event"]) - 1
    rows["audit_event"] = kept
    if lock is not None:
        rows["audit_chain_lock"] = [repr((lock.id, lock.writes - 1))]
    return rows


@pytest.fixture
def filled(backoffice_app: Flask, demo: Session) -> Flask:
    """The demo directory, staff, two cases with encrypted fields, their audit events, a scan."""
    coordinator = make_staff(backoffice_app, "coordinator")
    make_staff(backoffice_app, "liaison")
    for _ in range(2):
        make_referral(backoffice_app, coordinator.id)
    batch = standing_batch(demo)
    assert batch is not None
    count_scan(demo, batch.id)
    demo.commit()
    return backoffice_app


def test_a_backup_restores_every_row_and_the_audit_trail_verifies(
    filled: Flask, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "tsunagu.backup"
    made = run(filled, "backup", str(path))
    assert made.exit_code == 0, made.output
    assert path.stat().st_mode & 0o077 == 0
    before = every_row(get_engine(filled))
    assert before["referral"] and before["audit_event"] and before["card_scan_count"]

    with scratch_database(tmp_path) as url, app_on(settings, url) as restored:
        result = run(restored, "restore", str(path))
        assert result.exit_code == 0, result.output
        engine = get_engine(restored)
        assert restored_rows(engine, backup_time(result.output)) == before
        assert current_revision(engine) == current_revision(get_engine(filled))
        events = len(before["audit_event"])
        assert f"audit trail intact: {events} events" in result.output
        with Session(engine) as session:
            names = session.scalars(select(Referral.person_name)).all()
            assert names == [PERSON_NAME, PERSON_NAME]  # the data keys still open them
            batch = standing_batch(session)
            assert batch is not None
            count_scan(session, batch.id)  # the restored database takes writes
            session.commit()


def test_a_database_holding_data_is_replaced_only_with_force(
    filled: Flask, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "tsunagu.backup"
    assert run(filled, "backup", str(path)).exit_code == 0
    with scratch_database(tmp_path) as url, app_on(settings, url) as restored:
        assert run(restored, "restore", str(path)).exit_code == 0
        engine = get_engine(restored)
        coordinator = make_staff(restored, "coordinator")
        make_referral(restored, coordinator.id)
        changed = every_row(engine)

        refused = run(restored, "restore", str(path))
        assert refused.exit_code == 1
        assert "not empty" in refused.output and "--force" in refused.output
        assert every_row(engine) == changed

        forced = run(restored, "restore", "--force", str(path))
        assert forced.exit_code == 0, forced.output
        assert restored_rows(engine, backup_time(forced.output)) == every_row(get_engine(filled))


def test_a_backup_of_an_older_schema_is_restored_then_migrated(
    settings: Settings, tmp_path: Path
) -> None:
    with scratch_database(tmp_path) as old_url, scratch_database(tmp_path) as new_url:
        old = make_engine(old_url)
        command.upgrade(alembic_config(old), "0033")
        old.dispose()
        path = tmp_path / "old.backup"
        with app_on(settings, old_url) as app:
            assert run(app, "backup", str(path)).exit_code == 0
        with app_on(settings, new_url) as app:
            result = run(app, "restore", str(path))
            assert result.exit_code == 0, result.output
            head = current_revision(get_engine(app))
        assert "schema: migrated from 0033 to " in result.output
        assert head != "0033" and f"to {head}" in result.output


def test_a_restore_is_recorded_and_an_anchor_taken_since_the_backup_shows_the_rewind(
    filled: Flask, settings: Settings, tmp_path: Path
) -> None:
    path, anchor = tmp_path / "tsunagu.backup", tmp_path / "anchor.json"
    assert run(filled, "backup", str(path)).exit_code == 0
    make_referral(filled, make_staff(filled, "coordinator").id)  # events the backup lacks
    assert (
        filled.test_cli_runner().invoke(args=["audit", "anchor", "-o", str(anchor)]).exit_code == 0
    )

    with scratch_database(tmp_path) as url, app_on(settings, url) as restored:
        result = run(restored, "restore", str(path))
        assert result.exit_code == 0, result.output
        with Session(get_engine(restored)) as session:
            event = session.scalars(select(AuditEvent).order_by(AuditEvent.position.desc())).first()
            revision = current_revision(get_engine(restored))
        verified = restored.test_cli_runner().invoke(args=["audit", "verify"])
        anchored = restored.test_cli_runner().invoke(
            args=["audit", "verify", "--anchor", str(anchor)]
        )

    assert event is not None and event.action == "system.restore"
    assert (event.actor_id, event.actor_login, event.client_network) == (None, None, "server shell")
    assert event.reason is not None
    assert f"backup of {backup_time(result.output)} (schema {revision};" in event.reason
    assert f"recorded as audit event {event.position} (system.restore)" in result.output
    assert verified.exit_code == 0, verified.output  # the restore's event is signed and chained
    assert anchored.exit_code == 1 and "audit trail broken" in anchored.output
