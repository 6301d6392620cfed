"""Checking who someone is: the password, the second factor, the password asked again (the
services; the sign-in pages that call them are in ``backoffice/views/staff/signin.py``).

Every check first counts the attempt (``lockout.py``) and commits the count, and only then does
the slow part, with no row lock and no database connection held: a guess is counted even if the
request dies during the check, and parallel guesses wait on one short statement each, not on
one another's password hashing. These services therefore commit, unlike the others.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from argon2 import PasswordHasher
from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from backoffice.staff import lockout, totp
from backoffice.staff.accounts import audit_account, normalise_login
from backoffice.staff.actor import Actor
from backoffice.staff.credentials import recovery_hash
from backoffice.staff.lockout import Attempt, Clock
from backoffice.staff.models import RecoveryCode, StaffUser
from backoffice.staff.passwords import verify_password, waste_a_verification
from core import audit
from core.config import Settings
from core.crypto import DecryptionError


class Outcome(Enum):
    OK = "ok"
    INVALID = "invalid"
    LOCKED = "locked"


@dataclass(frozen=True)
class Policy:
    """How a check is made: the password hasher and the attempt clock's limits."""

    hasher: PasswordHasher
    lockout_threshold: int
    lockout_minutes: int

    @classmethod
    def from_settings(cls, settings: Settings, hasher: PasswordHasher) -> Policy:
        return cls(hasher, settings.lockout_threshold, settings.lockout_minutes)

    @property
    def clock(self) -> Clock:
        return Clock(self.lockout_threshold, self.lockout_minutes)


def authenticate_password(
    session: Session, login: str, password: str, *, policy: Policy, actor: Actor, now: datetime
) -> tuple[Outcome, StaffUser | None]:
    """Check a login and password. The answer never says whether the login exists."""
    counted = lockout.count_login_attempt(session, normalise_login(login), policy.clock, now)
    user = session.get(StaffUser, counted.user_id) if counted.user_id is not None else None
    if counted.attempt is not Attempt.ALLOWED:
        _refused(session, "auth.login.failure", counted.attempt, actor, user, policy)
        session.commit()
        return Outcome.LOCKED, None
    session.commit()
    if user is None:
        waste_a_verification(policy.hasher)
        _unknown(session, actor, "failure", "unknown or disabled login")
        return Outcome.INVALID, None
    if not _password_matches(session, user, password, policy, actor):
        audit_account(session, "auth.login.failure", actor, user, outcome="failure")
        return Outcome.INVALID, user
    lockout.give_back(session, user.id)
    if policy.hasher.check_needs_rehash(user.password_hash):
        user.password_hash = policy.hasher.hash(password)
    audit_account(session, "auth.password.success", actor, user)
    return Outcome.OK, user


def verify_second_factor(
    session: Session, user: StaffUser, code: str, *, policy: Policy, actor: Actor, now: datetime
) -> Outcome:
    """Accept a current TOTP code (never one already used) or an unused recovery code."""
    if not _counted(session, user, "auth.mfa.failure", policy=policy, actor=actor, now=now):
        return Outcome.LOCKED
    step = totp.matching_step(
        _stored(session, user, "totp_secret", actor), code, now, user.totp_last_step
    )
    if step is not None and _take_step(session, user, step):
        return _signed_in(session, user, actor, now, "totp")
    recovery = _unused_recovery_code(user, code)
    if recovery is not None and _use_recovery_code(session, recovery, now):
        return _signed_in(session, user, actor, now, "recovery code")
    audit_account(session, "auth.mfa.failure", actor, user, outcome="failure")
    return Outcome.INVALID


def confirm_password(
    session: Session, user: StaffUser, password: str, *, policy: Policy, actor: Actor, now: datetime
) -> Outcome:
    """The current password, asked again before a change to the account's own security.

    Counted on the same clock as sign-in, so a taken-over session cannot guess it either.
    """
    if not _counted(session, user, "auth.password.confirm", policy=policy, actor=actor, now=now):
        return Outcome.LOCKED
    if not _password_matches(session, user, password, policy, actor):
        audit_account(session, "auth.password.confirm", actor, user, outcome="failure")
        return Outcome.INVALID
    lockout.give_back(session, user.id)
    return Outcome.OK


def _counted(
    session: Session, user: StaffUser, action: str, *, policy: Policy, actor: Actor, now: datetime
) -> bool:
    """Count an attempt on a known account and commit the count; False (refused and audited as
    ``action``) when the account is locked."""
    attempt = lockout.count_user_attempt(session, user.id, policy.clock, now)
    if attempt is not Attempt.ALLOWED:
        _refused(session, action, attempt, actor, user, policy)
    session.commit()
    return attempt is Attempt.ALLOWED


def _password_matches(
    session: Session, user: StaffUser, password: str, policy: Policy, actor: Actor
) -> bool:
    stored = _stored(session, user, "password_hash", actor)
    if not stored:
        waste_a_verification(policy.hasher)  # the same time as a wrong password
        return False
    return verify_password(policy.hasher, stored, password)


def _stored(session: Session, user: StaffUser, secret: str, actor: Actor) -> str:
    """A stored secret of the account; empty, and audited, if it was altered or copied in.

    Encrypted secrets are bound to their row (``core.crypto``): one copied from another account
    does not decrypt here, and must fail the check like a wrong password, not end in an error.
    """
    try:
        return getattr(user, secret) or ""
    except DecryptionError:
        audit_account(
            session, "auth.integrity.failure", actor, user, outcome="denied",
            reason=f"stored {secret} altered or copied from another row",
        )  # fmt: skip
        return ""


def _take_step(session: Session, user: StaffUser, step: int) -> bool:
    """Record the code's time step, unless a parallel request took it (or a later one) first."""
    taken = session.execute(
        update(StaffUser)
        .where(
            StaffUser.id == user.id,
            or_(StaffUser.totp_last_step.is_(None), StaffUser.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    session.expire(user, ["totp_last_step"])
    return bool(taken)


def _use_recovery_code(session: Session, recovery: RecoveryCode, now: datetime) -> bool:
    used = session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.id == recovery.id, RecoveryCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    session.expire(recovery, ["used_at"])
    return bool(used)


def _unused_recovery_code(user: StaffUser, code: str) -> RecoveryCode | None:
    wanted = recovery_hash(code)
    for recovery in user.recovery_codes:
        if recovery.used_at is None and secrets.compare_digest(recovery.code_hash, wanted):
            return recovery
    return None


def _signed_in(
    session: Session, user: StaffUser, actor: Actor, now: datetime, method: str
) -> Outcome:
    lockout.clear(session, user.id)
    session.expire(user, ["failed_logins", "last_failed_at", "locked_until"])
    user.last_login_at = now
    audit_account(session, "auth.login.success", actor, user, reason=method)
    return Outcome.OK


def _refused(
    session: Session,
    action: str,
    attempt: Attempt,
    actor: Actor,
    user: StaffUser | None,
    policy: Policy,
) -> None:
    if user is None:
        _unknown(session, actor, "denied", "locked (unknown or disabled login)")
        return
    audit_account(session, action, actor, user, outcome="denied", reason="locked")
    if attempt is Attempt.LOCKED_NOW:
        audit_account(session, "auth.lock", actor, user, reason=f"{policy.lockout_minutes} minutes")


def _unknown(session: Session, actor: Actor, outcome: str, reason: str) -> None:
    audit.record(
        session,
        action="auth.login.failure",
        outcome=outcome,
        client_network=actor.network,
        reason=reason,
    )
