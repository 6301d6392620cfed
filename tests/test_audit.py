"""Audit trail: events chain by hash, tampering is found, writers never fork the chain."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise

import pytest
from flask import Flask
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from core.audit import (
    GENESIS_HASH,
    AuditEvent,
    VerifyResult,
    record,
    truncate_address,
    verify_chain,
)
from core.audit_chain import SCHEME_HMAC, audit_key, signed_hash
from core.audit_cli import audit_group
from core.db import get_engine, init_db


@dataclass
class FakeStaff:
    id: int
    login: str


def _record_some(session: Session, count: int) -> list[AuditEvent]:
    events = [
        record(session, action="referral.read", object_type="referral", object_id=n)
        for n in range(count)
    ]
    session.commit()
    return events


def _ids(session: Session) -> list[int]:
    return list(session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))


def test_record_stores_who_did_what_to_which_object(session: Session) -> None:
    at = datetime(2026, 11, 26, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=9)))
    event = record(
        session,
        action="staff.roles.change",
        actor=FakeStaff(id=7, login="tanaka"),
        object_type="staff_user",
        object_id=12,
        client_network="203.0.113.0/24",
        reason="異動のため",
        occurred_at=at,
    )
    session.commit()
    session.expire_all()

    stored = session.get(AuditEvent, event.id)
    assert stored is not None
    assert (stored.actor_id, stored.actor_login, stored.object_id) == (7, "tanaka", "12")
    assert stored.occurred_at == at
    assert stored.occurred_at.tzinfo == UTC
    assert stored.outcome == "success"
    assert stored.reason == "異動のため"


def test_each_event_links_to_the_hash_of_the_one_before(session: Session) -> None:
    events = _record_some(session, 4)

    assert events[0].prev_hash == GENESIS_HASH
    for before, after in pairwise(events):
        assert after.prev_hash == before.hash
    assert [event.position for event in events] == [1, 2, 3, 4]
    assert all(event.scheme == SCHEME_HMAC for event in events)
    key = audit_key()
    assert all(event.hash == signed_hash(key, event.prev_hash, event) for event in events)


def test_intact_chain_verifies(session: Session) -> None:
    events = _record_some(session, 5)

    result = verify_chain(session, batch_size=2)  # small batches cross batch boundaries

    assert result.ok
    assert result.checked == 5
    assert result.head_hash == events[-1].hash
    assert (result.head.id, result.head.position) == (events[-1].id, 5)
    assert result.broken_id is None


def test_empty_trail_verifies(session: Session) -> None:
    assert verify_chain(session) == VerifyResult(ok=True, checked=0, head_hash=GENESIS_HASH)


def test_audit_table_is_flagged_append_only() -> None:
    assert AuditEvent.__table__.info["append_only"] is True


def test_altered_action_is_found_at_that_event(session: Session) -> None:
    events = _record_some(session, 5)
    altered = events[2].id
    session.execute(
        text("UPDATE audit_event SET action = 'referral.list' WHERE id = :id"), {"id": altered}
    )
    session.commit()

    result = verify_chain(session, batch_size=2)

    assert not result.ok
    assert result.broken_id == altered
    assert result.problem == "hash mismatch: row altered, or written without the audit key"


def test_deleted_event_is_found_at_the_event_after_it(session: Session) -> None:
    events = _record_some(session, 5)
    session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": events[2].id})
    session.commit()

    result = verify_chain(session)

    assert not result.ok
    assert result.broken_id == events[3].id
    assert result.problem == (
        "prev_hash does not match the previous event: row deleted or inserted"
    )


def test_record_rolls_back_with_its_transaction(session: Session, engine: Engine) -> None:
    _record_some(session, 1)

    record(session, action="staff.create", object_type="staff_user", object_id=3)
    with Session(engine) as other:  # not committed by record itself
        assert other.scalar(select(func.count()).select_from(AuditEvent)) == 1
    session.rollback()

    assert len(_ids(session)) == 1
    assert verify_chain(session).ok


def test_record_refuses_an_unknown_outcome(session: Session) -> None:
    with pytest.raises(ValueError, match="outcome"):
        record(session, action="auth.login.success", outcome="maybe")


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        (" 198.51.100.9 ", "198.51.100.0/24"),
        ("2001:db8:abcd:12:1:2:3:4", "2001:db8:abcd::/48"),
        ("::ffff:203.0.113.77", "203.0.113.0/24"),
        ("not-an-address", None),
        ("203.0.113.300", None),
        ("", None),
        (None, None),
    ],
)
def test_addresses_are_truncated_to_their_network(address: str | None, expected: str) -> None:
    assert truncate_address(address, ipv4_prefix=24, ipv6_prefix=48) == expected


def test_concurrent_writers_keep_one_unbroken_chain(session: Session, engine: Engine) -> None:
    writers, per_writer = 8, 10
    start = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(number: int) -> None:
        try:
            start.wait()
            with Session(engine) as own:
                for _ in range(per_writer):
                    record(own, action="referral.read", object_type="writer", object_id=number)
                    own.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(number,)) for number in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    result = verify_chain(session)
    assert result.ok
    assert result.checked == writers * per_writer


@pytest.fixture
def audit_app(database_url: str, clean_db: Engine) -> Iterator[Flask]:
    app = Flask(__name__)
    init_db(app, database_url)
    app.cli.add_command(audit_group)
    yield app
    get_engine(app).dispose()


def test_verify_command_reports_an_intact_trail(audit_app: Flask, session: Session) -> None:
    _record_some(session, 3)

    result = audit_app.test_cli_runner().invoke(args=["audit", "verify"])

    assert result.exit_code == 0, result.output
    assert "audit trail intact: 3 events" in result.output


def test_verify_command_names_the_altered_event(audit_app: Flask, session: Session) -> None:
    events = _record_some(session, 3)
    session.execute(
        text("UPDATE audit_event SET outcome = 'failure' WHERE id = :id"), {"id": events[1].id}
    )
    session.commit()

    result = audit_app.test_cli_runner().invoke(args=["audit", "verify"])

    assert result.exit_code == 1
    assert f"broken at event {events[1].id}: hash mismatch" in result.output
