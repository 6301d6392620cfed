"""The sign-in attempt clock: one for every login typed, whether an account has it or not.

Each attempt is counted *before* the password or code is checked, by one ``UPDATE ...
RETURNING`` that also decides the lock. The database serialises those statements on the row, so
parallel guesses are each counted and every attempt past the threshold is refused whatever it
holds. A right password gives its attempt back and a completed sign-in clears the count.

The window moves: a count is forgotten once ``lockout_minutes`` pass without an attempt, and an
attempt past ``lockout_threshold`` within it locks for ``lockout_minutes`` from that attempt.
Real accounts keep the clock on ``staff_user``; logins that name no active account keep it on
``login_throttle`` (a keyed hash of the login), with the very same expressions, so an attacker
cannot tell the two apart by when, or how, they lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, case, delete, literal, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from backoffice.staff.models import LoginThrottle, StaffUser
from core.crypto import blind_index
from core.db import UTCDateTime


class Attempt(Enum):
    ALLOWED = "allowed"  # go on and check the password or code
    LOCKED_NOW = "locked now"  # this attempt was one too many: the lock starts now
    LOCKED = "locked"  # already locked


@dataclass(frozen=True)
class Counted:
    attempt: Attempt
    user_id: int | None  # the active account the login names, if any


@dataclass(frozen=True)
class Clock:
    threshold: int
    minutes: int


def count_login_attempt(session: Session, login: str, clock: Clock, now: datetime) -> Counted:
    """Count an attempt at ``login`` (already normalised) on its account or its throttle row."""
    values = _counting_values(StaffUser, clock, now)
    row = session.execute(
        update(StaffUser)
        .where(StaffUser.login == login, StaffUser.active.is_(True))
        .values(**values)
        .returning(StaffUser.id, StaffUser.failed_logins)
        .execution_options(synchronize_session=False)
    ).first()
    if row is not None:
        return Counted(_decide(row.failed_logins, clock), row.id)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(LoginThrottle).values(
        login_key=blind_index(login, "login_throttle"),
        failed_logins=1,
        last_failed_at=now,
        locked_until=None,
    )
    count = session.execute(
        statement.on_conflict_do_update(
            index_elements=[LoginThrottle.login_key],
            set_=_counting_values(LoginThrottle, clock, now),
        ).returning(LoginThrottle.failed_logins)
    ).scalar_one()
    return Counted(_decide(count, clock), None)


def count_user_attempt(session: Session, user_id: int, clock: Clock, now: datetime) -> Attempt:
    """Count an attempt on a known account (a code, or a password asked again)."""
    count = session.execute(
        update(StaffUser)
        .where(StaffUser.id == user_id)
        .values(**_counting_values(StaffUser, clock, now))
        .returning(StaffUser.failed_logins)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return _decide(count, clock)


def give_back(session: Session, user_id: int) -> None:
    """A right password returns its attempt, unless the account got locked meanwhile."""
    session.execute(
        update(StaffUser)
        .where(
            StaffUser.id == user_id, StaffUser.failed_logins > 0, StaffUser.locked_until.is_(None)
        )
        .values(failed_logins=StaffUser.failed_logins - 1)
        .execution_options(synchronize_session=False)
    )


def clear(session: Session, user_id: int) -> None:
    """A completed sign-in, or an administrator's unlock: the count starts afresh."""
    session.execute(
        update(StaffUser)
        .where(StaffUser.id == user_id)
        .values(failed_logins=0, last_failed_at=None, locked_until=None)
        .execution_options(synchronize_session=False)
    )


def purge_throttles(session: Session, clock: Clock, now: datetime) -> int:
    """Delete throttle rows whose window and lock are over (they would start afresh anyway)."""
    cutoff = now - timedelta(minutes=clock.minutes)
    result = session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.last_failed_at <= cutoff,
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now),
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _decide(count: int, clock: Clock) -> Attempt:
    if count <= clock.threshold:
        return Attempt.ALLOWED
    return Attempt.LOCKED_NOW if count == clock.threshold + 1 else Attempt.LOCKED


def _counting_values(table: Any, clock: Clock, now: datetime) -> dict[str, ColumnElement[Any]]:
    """The SET clause of the clock, for ``StaffUser`` and ``LoginThrottle`` alike.

    While locked, attempts are counted on (``threshold + 1`` marks the attempt that locked, more
    an attempt refused while locked) and nothing else moves. A lock that has run out, or a window
    without an attempt for ``minutes``, starts the count again at one.
    """
    moment = literal(now, UTCDateTime())
    window = timedelta(minutes=clock.minutes)
    locked = table.locked_until > moment
    fresh = or_(
        table.last_failed_at.is_(None),
        table.last_failed_at <= literal(now - window, UTCDateTime()),
        table.locked_until <= moment,
    )
    counted = case((fresh, 1), else_=table.failed_logins + 1)
    return {
        "failed_logins": case((locked, table.failed_logins + 1), else_=counted),
        "last_failed_at": case((locked, table.last_failed_at), else_=moment),
        "locked_until": case(
            (locked, table.locked_until),
            (counted > clock.threshold, literal(now + window, UTCDateTime())),
            else_=literal(None, UTCDateTime()),
        ),
    }
