"""Refused requests of signed-in staff are audited, a few a minute, without turning into 500s."""

from __future__ import annotations

import logging
import secrets

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from limits import RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from backoffice.web import denials
from backoffice.web.denials import DENIALS_PER_MINUTE, NOTICE, RECORD, SUPPRESS, DenialLimiter
from core.audit import AuditEvent, verify_chain
from core.db import get_engine
from tests.referrals import make_referral
from tests.staff import Staff, make_staff, sign_in

REDIS_URL = "redis://127.0.0.1:6379/15"


def _client(app: Flask, staff: Staff) -> FlaskClient:
    client = app.test_client()
    sign_in(client, staff)
    return client


def _events(app: Flask, action_prefix: str = "access.denied") -> list[AuditEvent]:
    with Session(get_engine(app)) as session:
        query = select(AuditEvent).where(AuditEvent.action.startswith(action_prefix))
        return list(session.scalars(query.order_by(AuditEvent.position)))


def _walk(app: Flask, client: FlaskClient, first: int, count: int) -> list[int]:
    return [client.get(f"/referrals/{n}").status_code for n in range(first, first + count)]


def test_a_liaison_walking_case_ids_is_recorded_up_to_the_limit(backoffice_app: Flask) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    coordinator = make_staff(backoffice_app, "coordinator")
    own = make_referral(backoffice_app, liaison.id)
    others = [make_referral(backoffice_app, coordinator.id) for _ in range(3)]
    client = _client(backoffice_app, liaison)

    statuses = _walk(backoffice_app, client, own + 1, 30)

    assert statuses == [404] * 30  # out of scope or absent: the same answer
    events = _events(backoffice_app)
    listed = [e for e in events if e.action == "access.denied"]
    assert len(listed) == DENIALS_PER_MINUTE
    assert [e.object_id for e in listed] == [str(n) for n in range(own + 1, own + 11)]
    assert {e.object_id for e in listed} >= {str(n) for n in others}
    assert {(e.outcome, e.object_type, e.actor_login) for e in listed} == {
        ("denied", "referral", liaison.login)
    }
    assert {e.reason for e in listed} == {"404 referrals.detail"}
    [notice] = [e for e in events if e.action == "access.denied.limited"]
    assert notice.reason.startswith(f"more than {DENIALS_PER_MINUTE} refused requests")
    assert notice.object_id == str(own + 11)
    with Session(get_engine(backoffice_app)) as session:
        assert verify_chain(session).ok


def test_refusals_beyond_the_limit_are_counted_and_reported_next_time(
    backoffice_app: Flask,
) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    client = _client(backoffice_app, liaison)
    _walk(backoffice_app, client, 10_000, 30)  # 10 listed, 1 notice, 19 counted
    # The next minute, without waiting for it: the window of listed refusals starts again.
    limiter: DenialLimiter = backoffice_app.extensions["tsunagu.denials"]
    item = RateLimitItemPerMinute(DENIALS_PER_MINUTE)
    FixedWindowRateLimiter(limiter.storage).clear(item, "denied", str(liaison.id))

    assert client.get("/referrals/20000").status_code == 404

    last = _events(backoffice_app)[-1]
    assert (last.action, last.object_id) == ("access.denied", "20000")
    assert last.reason == "404 referrals.detail; 19 earlier refusals counted, not listed"


def test_a_missing_permission_is_recorded_with_what_was_needed(backoffice_app: Flask) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    client = _client(backoffice_app, liaison)

    assert client.get("/audit/").status_code == 403

    [event] = _events(backoffice_app)
    assert (event.outcome, event.object_type, event.object_id) == ("denied", None, None)
    assert event.reason == "403 audit.index (needs audit.read)"


def test_a_refused_record_address_names_the_record_not_the_person(
    backoffice_app: Flask,
) -> None:
    editor = make_staff(backoffice_app, "editor")
    coordinator = make_staff(backoffice_app, "coordinator")
    case = make_referral(backoffice_app, coordinator.id)
    client = _client(backoffice_app, editor)

    assert client.get(f"/referrals/{case}/meetings/7").status_code == 403

    [event] = _events(backoffice_app)
    assert (event.object_type, event.object_id) == ("referral", str(case))
    assert event.reason.startswith("403 casework.edit_meeting meeting_id=7")
    assert "丹後" not in (event.reason or "")


def test_unknown_addresses_and_signed_out_visitors_are_not_recorded(
    backoffice_app: Flask,
) -> None:
    client = _client(backoffice_app, make_staff(backoffice_app, "liaison"))
    anonymous = backoffice_app.test_client()

    assert client.get("/no-such-page").status_code == 404
    assert anonymous.get("/referrals/1").status_code == 302

    assert _events(backoffice_app) == []


def test_a_busy_database_leaves_the_refusal_as_it_was(
    backoffice_app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    client = _client(backoffice_app, make_staff(backoffice_app, "liaison"))

    def busy(*_: object, **__: object) -> None:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(denials.audit, "record", busy)
    with caplog.at_level(logging.ERROR, logger="backoffice.web.denials"):
        statuses = [client.get("/referrals/999999").status_code, client.get("/audit/").status_code]

    assert statuses == [404, 403]
    assert "could not audit a refused request" in caplog.text


def test_workers_sharing_redis_share_the_limit() -> None:
    client_redis = redis.Redis.from_url(REDIS_URL)
    client_redis.ping()
    user_id = 10**9 + secrets.randbelow(10**9)  # Redis outlives test runs: a fresh user
    first = DenialLimiter(storage_from_string(REDIS_URL), per_minute=2)
    second = DenialLimiter(storage_from_string(REDIS_URL), per_minute=2)

    decisions = [(first if n % 2 else second).admit(user_id) for n in range(5)]

    assert decisions == [RECORD, RECORD, NOTICE, SUPPRESS, SUPPRESS]
    assert first.take_suppressed(user_id) == 2
    assert second.take_suppressed(user_id) == 0
    for key in client_redis.scan_iter(f"*{user_id}*"):
        client_redis.delete(key)


def test_refusals_are_all_listed_when_the_counts_cannot_be_read(backoffice_app: Flask) -> None:
    client = _client(backoffice_app, make_staff(backoffice_app, "liaison"))
    closed = storage_from_string("redis://127.0.0.1:1/0", wrap_exceptions=True)  # no one there
    backoffice_app.extensions["tsunagu.denials"] = DenialLimiter(closed)

    statuses = _walk(backoffice_app, client, 999_000, DENIALS_PER_MINUTE + 2)

    assert statuses == [404] * (DENIALS_PER_MINUTE + 2)
    events = _events(backoffice_app)
    assert len(events) == DENIALS_PER_MINUTE + 2
    assert {event.action for event in events} == {"access.denied"}
    assert all("not counted (rate-limit storage unreachable)" in e.reason for e in events)
    with Session(get_engine(backoffice_app)) as session:
        assert verify_chain(session).ok
