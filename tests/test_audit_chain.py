"""The keyed audit chain: forgery without the key is found, forged rows cannot block writers,
events hashed before the key verify only as the beginning, and an anchor catches truncation."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from alembic import command
from flask import Flask
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from core.audit import AuditEvent, record, verify_chain
from core.audit_chain import (
    GENESIS_HASH,
    SCHEME_HMAC,
    SCHEME_SHA256,
    AuditKeyError,
    audit_key,
    chain_hash,
    configure_audit_key,
    init_audit,
    signed_hash,
)
from core.audit_cli import audit_group
from core.config import ConfigError, Settings
from core.crypto import decode_key
from core.db import get_engine, init_db, make_engine
from core.migrate import alembic_config
from tests.conftest import SERVER_URL, TEST_AUDIT_KEY, TEST_BLIND_INDEX_KEY, TEST_DATA_KEYS
from tests.databases import fresh_database

OTHER_KEY = bytes(range(32))
# The largest id the column holds: a writer that took the highest id as its head broke on it.
HUGE_ID = 2**31 - 1


def _record_some(session: Session, count: int) -> list[AuditEvent]:
    events = [record(session, action="referral.read", object_id=n) for n in range(count)]
    session.commit()
    return events


def _forge(session: Session, *, prev_hash: str, position: int, key: bytes, **values: object) -> int:
    """Insert a row the way someone with INSERT on the table could, signed with ``key``."""
    row = {
        "occurred_at": datetime.now(UTC),
        "actor_id": None,
        "actor_login": "intruder",
        "action": "referral.read",
        "object_type": "referral",
        "object_id": "1",
        "outcome": "success",
        "client_network": None,
        "reason": None,
        "position": position,
        "scheme": SCHEME_HMAC,
        "prev_hash": prev_hash,
        **values,
    }
    event = AuditEvent(**{k: v for k, v in row.items() if k != "id"})
    row["hash"] = (
        chain_hash(prev_hash, event)
        if row["scheme"] == SCHEME_SHA256
        else signed_hash(key, prev_hash, event)
    )
    result = session.execute(insert(AuditEvent).values(**row).returning(AuditEvent.id))
    forged_id = result.scalar_one()
    session.commit()
    return forged_id


@pytest.fixture
def restore_key() -> Iterator[None]:
    yield
    configure_audit_key(decode_key(TEST_AUDIT_KEY))


def test_an_event_forged_without_the_key_fails_verification(session: Session) -> None:
    events = _record_some(session, 3)

    forged = _forge(session, prev_hash=events[-1].hash, position=4, key=OTHER_KEY)
    result = verify_chain(session)

    assert not result.ok
    assert result.broken_id == forged
    assert result.problem == "hash mismatch: row altered, or written without the audit key"


def test_a_plain_sha256_event_after_the_signed_chain_fails(session: Session) -> None:
    """The unkeyed scheme anyone can compute is accepted only before the first signed event."""
    events = _record_some(session, 2)

    forged = _forge(
        session, prev_hash=events[-1].hash, position=3, key=OTHER_KEY, scheme=SCHEME_SHA256
    )
    result = verify_chain(session)

    assert result.broken_id == forged
    assert result.problem.startswith("unkeyed event after the signed chain began")


def test_a_row_with_a_huge_id_does_not_block_or_move_later_writes(session: Session) -> None:
    events = _record_some(session, 2)
    forged = _forge(session, id=HUGE_ID, prev_hash=events[-1].hash, position=3, key=OTHER_KEY)

    later = _record_some(session, 3)

    # The real chain goes on from the last genuine event, not from the forged "newest" row.
    assert later[0].prev_hash == events[-1].hash
    assert [event.position for event in later] == [3, 4, 5]
    assert forged == HUGE_ID
    result = verify_chain(session)
    assert (result.ok, result.broken_id) == (False, HUGE_ID)


def test_a_row_claiming_the_next_place_does_not_block_later_writes(session: Session) -> None:
    """Before, prev_hash was unique: a row naming the head as its predecessor bricked writes."""
    events = _record_some(session, 2)
    _forge(session, prev_hash=events[-1].hash, position=10**15, key=OTHER_KEY)

    later = _record_some(session, 1)

    assert (later[0].prev_hash, later[0].position) == (events[-1].hash, 3)


def test_a_process_with_another_key_refuses_to_write(session: Session, restore_key: None) -> None:
    _record_some(session, 1)
    configure_audit_key(OTHER_KEY)

    with pytest.raises(AuditKeyError, match="no audit event verifies"):
        record(session, action="referral.read")


def test_recording_without_a_configured_key_fails(session: Session, restore_key: None) -> None:
    configure_audit_key(None)

    with pytest.raises(AuditKeyError, match="TSUNAGU_AUDIT_KEY"):
        record(session, action="referral.read")


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "TSUNAGU_AUDIT_KEY is empty"),
        ("AQID", "the key must be 32 bytes"),
        (TEST_BLIND_INDEX_KEY, "must differ"),
        (TEST_DATA_KEYS.split(":")[1], "must differ"),
    ],
)
def test_the_audit_key_must_be_its_own_32_bytes(
    settings: Settings, restore_key: None, key: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        init_audit(Flask(__name__), replace(settings, audit_key=key))


def _legacy_row(prev_hash: str, number: int) -> dict[str, object]:
    """An event as the unkeyed code wrote it (before migration 0016)."""
    row: dict[str, object] = {
        "occurred_at": datetime(2026, 11, 1, 9, number, tzinfo=UTC),
        "actor_id": None,
        "actor_login": "tanaka",
        "action": "referral.read",
        "object_type": "referral",
        "object_id": str(number),
        "outcome": "success",
        "client_network": None,
        "reason": None,
    }
    data = prev_hash + json.dumps(
        {**row, "occurred_at": row["occurred_at"].isoformat(timespec="microseconds")},  # type: ignore[union-attr]
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return {**row, "prev_hash": prev_hash, "hash": hashlib.sha256(data.encode()).hexdigest()}


def test_events_from_before_the_key_verify_as_the_beginning_of_the_chain(tmp_path: Path) -> None:
    with fresh_database(SERVER_URL, tmp_path) as url:
        engine = make_engine(url)
        command.upgrade(alembic_config(engine), "0015")
        prev, columns = GENESIS_HASH, None
        with engine.begin() as connection:
            for number in range(3):
                row = _legacy_row(prev, number)
                columns = ", ".join(row)
                placeholders = ", ".join(f":{name}" for name in row)
                connection.execute(
                    text(f"INSERT INTO audit_event ({columns}) VALUES ({placeholders})"),  # noqa: S608
                    row,
                )
                prev = str(row["hash"])
        command.upgrade(alembic_config(engine), "0016")

        with Session(engine) as session:
            stored = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
            assert [(e.position, e.scheme) for e in stored] == [
                (n, SCHEME_SHA256) for n in (1, 2, 3)
            ]
            assert all(e.hash == chain_hash(e.prev_hash, e) for e in stored)
            signed = record(session, action="referral.read")
            session.commit()
            assert (signed.prev_hash, signed.position) == (prev, 4)
            assert verify_chain(session).ok
        engine.dispose()


@pytest.fixture
def audit_cli(database_url: str, clean_db: Engine) -> Iterator[Flask]:
    app = Flask(__name__)
    init_db(app, database_url)
    app.cli.add_command(audit_group)
    yield app
    get_engine(app).dispose()


def test_anchor_prints_and_writes_the_head(
    audit_cli: Flask, session: Session, tmp_path: Path
) -> None:
    events = _record_some(session, 3)
    anchor_file = tmp_path / "anchor.json"

    result = audit_cli.test_cli_runner().invoke(args=["audit", "anchor", "-o", str(anchor_file)])

    assert result.exit_code == 0, result.output
    anchor = json.loads(anchor_file.read_text(encoding="utf-8"))
    assert anchor["hash"] == events[-1].hash and anchor["hash"] in result.output
    assert (anchor["id"], anchor["position"], anchor["count"]) == (events[-1].id, 3, 3)
    assert anchor["occurred_at"].startswith(str(events[-1].occurred_at.year))


def test_verify_with_the_anchor_passes_while_the_trail_grows(
    audit_cli: Flask, session: Session, tmp_path: Path
) -> None:
    _record_some(session, 2)
    anchor_file = tmp_path / "anchor.json"
    runner = audit_cli.test_cli_runner()
    runner.invoke(args=["audit", "anchor", "-o", str(anchor_file)])
    later = _record_some(session, 2)

    result = runner.invoke(args=["audit", "verify", "--anchor", str(anchor_file)])

    assert result.exit_code == 0, result.output
    assert "anchored head found at position 2" in result.output
    assert f"head hash: {later[-1].hash}" in result.output


def test_verify_with_the_anchor_finds_the_newest_events_removed(
    audit_cli: Flask, session: Session, tmp_path: Path
) -> None:
    events = _record_some(session, 4)
    anchor_file = tmp_path / "anchor.json"
    runner = audit_cli.test_cli_runner()
    runner.invoke(args=["audit", "anchor", "-o", str(anchor_file)])
    session.execute(
        text("DELETE FROM audit_event WHERE id >= :id"), {"id": events[2].id}
    )  # what only the owner role could do
    session.commit()

    plain = runner.invoke(args=["audit", "verify"])
    anchored = runner.invoke(args=["audit", "verify", "--anchor", str(anchor_file)])

    assert plain.exit_code == 0  # the shorter chain is intact in itself
    assert anchored.exit_code == 1
    assert "chain ends at position 2, before the anchored head at position 4" in anchored.output


def test_verify_with_the_anchor_finds_a_rewritten_trail(
    audit_cli: Flask, session: Session, tmp_path: Path
) -> None:
    events = _record_some(session, 2)
    anchor_file = tmp_path / "anchor.json"
    runner = audit_cli.test_cli_runner()
    runner.invoke(args=["audit", "anchor", "-o", str(anchor_file)])
    # Someone holding the key rewrites the last event: the chain is sound, the anchor is not.
    session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": events[1].id})
    session.commit()
    _record_some(session, 1)

    result = runner.invoke(args=["audit", "verify", "--anchor", str(anchor_file)])

    assert result.exit_code == 1
    assert "not the anchored head: the trail was rewritten" in result.output


def test_verify_refuses_a_file_that_is_not_an_anchor(
    audit_cli: Flask, session: Session, tmp_path: Path
) -> None:
    bogus = tmp_path / "anchor.json"
    bogus.write_text("{}", encoding="utf-8")

    result = audit_cli.test_cli_runner().invoke(args=["audit", "verify", "--anchor", str(bogus)])

    assert result.exit_code == 1
    assert "not an anchor written by 'audit anchor'" in result.output


@pytest.mark.parametrize(("field", "value"), [("position", 2), ("scheme", SCHEME_SHA256)])
def test_the_signature_covers_position_and_scheme(field: str, value: object) -> None:
    fields = {"occurred_at": datetime(2026, 12, 1, tzinfo=UTC), "action": "a",
              "outcome": "success", "position": 1, "scheme": SCHEME_HMAC}  # fmt: skip
    event, changed = AuditEvent(**fields), AuditEvent(**{**fields, field: value})

    assert signed_hash(audit_key(), GENESIS_HASH, event) != signed_hash(
        audit_key(), GENESIS_HASH, changed
    )


@pytest.mark.postgres_only
def test_a_role_without_insert_on_id_cannot_forge_ids_and_still_writes(
    session: Session, engine: Engine
) -> None:
    """As the back-office role will be granted: INSERT on every column of the trail but id."""
    role = f"audit_writer_{secrets.token_hex(4)}"
    password = secrets.token_hex(16)
    columns = ", ".join(c.name for c in AuditEvent.__table__.columns if c.name != "id")
    with engine.begin() as owner:
        owner.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'"))
        owner.execute(text(f"GRANT SELECT, INSERT ({columns}) ON audit_event TO {role}"))
        owner.execute(text(f"GRANT USAGE ON SEQUENCE audit_event_id_seq TO {role}"))
    as_role = make_engine(
        engine.url.set(username=role, password=password).render_as_string(hide_password=False),
        poolclass=NullPool,
    )
    try:
        with Session(as_role) as writer:
            events = _record_some(writer, 2)
            with pytest.raises(ProgrammingError) as refused:
                _forge(writer, id=HUGE_ID, prev_hash=events[-1].hash, position=3, key=OTHER_KEY)
            assert isinstance(refused.value.orig, psycopg.errors.InsufficientPrivilege)
            writer.rollback()
            forged = _forge(writer, prev_hash=events[-1].hash, position=3, key=OTHER_KEY)
            later = _record_some(writer, 1)

            assert (later[0].prev_hash, later[0].position) == (events[-1].hash, 3)
            assert verify_chain(writer).broken_id == forged
    finally:
        as_role.dispose()
        with engine.begin() as owner:
            owner.execute(text(f"DROP OWNED BY {role}"))
            owner.execute(text(f"DROP ROLE {role}"))
