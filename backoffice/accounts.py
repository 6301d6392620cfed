"""Staff accounts: creation, sign-in with lockout, second factor, recovery codes, roles.

Services take the database session first and never touch the request; every security event is
written to the audit trail in the same transaction as the change it records.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice import totp
from backoffice.context import Actor
from backoffice.models import RecoveryCode, StaffRole, StaffUser
from backoffice.passwords import password_problems, verify_password, waste_a_verification
from backoffice.permissions import ROLES
from core import audit
from core.config import Settings
from core.crypto import blind_index

LOGIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes: 0/o, 1/l/i
RECOVERY_CODES = 10


class AccountError(ValueError):
    """A change was refused; the message is for the person who asked for it."""


class Outcome(Enum):
    OK = "ok"
    INVALID = "invalid"
    LOCKED = "locked"


@dataclass(frozen=True)
class Policy:
    hasher: PasswordHasher
    lockout_threshold: int
    lockout_minutes: int

    @classmethod
    def from_settings(cls, settings: Settings, hasher: PasswordHasher) -> Policy:
        return cls(hasher, settings.lockout_threshold, settings.lockout_minutes)


def normalise_login(login: str) -> str:
    return login.strip().casefold()


def find_by_login(session: Session, login: str) -> StaffUser | None:
    return session.scalar(select(StaffUser).where(StaffUser.login == normalise_login(login)))


def create_staff(
    session: Session,
    *,
    login: str,
    display_name: str,
    roles: set[str],
    password: str,
    hasher: PasswordHasher,
    actor: Actor,
    email: str = "",
    must_change_password: bool = True,
) -> StaffUser:
    login = normalise_login(login)
    if not LOGIN_PATTERN.match(login):
        raise AccountError(
            "ログインIDは半角英小文字・数字・記号(. _ -)の2〜64文字で、英数字で始めてください。"
        )
    if find_by_login(session, login) is not None:
        raise AccountError("このログインIDはすでに使われています。")
    _check_roles(roles)
    problems = password_problems(password, login=login, display_name=display_name)
    if problems:
        raise AccountError(" ".join(problems))
    user = StaffUser(
        login=login,
        display_name=display_name.strip() or login,
        email=email.strip(),
        password_hash=hasher.hash(password),
        must_change_password=must_change_password,
        role_rows=[StaffRole(role=role) for role in sorted(roles)],
    )
    session.add(user)
    session.flush()
    _audit(session, "staff.create", actor, user, reason=f"roles: {', '.join(sorted(roles))}")
    return user


def authenticate_password(
    session: Session, login: str, password: str, *, policy: Policy, actor: Actor, now: datetime
) -> tuple[Outcome, StaffUser | None]:
    """Check a login and password. The answer never says whether the login exists."""
    user = find_by_login(session, login)
    if user is None or not user.active:
        waste_a_verification(policy.hasher)
        audit.record(
            session,
            action="auth.login.failure",
            outcome="failure",
            client_network=actor.network,
            reason="unknown or disabled login",
        )
        return Outcome.INVALID, None
    if _locked(user, now):
        _audit(session, "auth.login.failure", actor, user, outcome="denied", reason="locked")
        return Outcome.LOCKED, user
    if not verify_password(policy.hasher, user.password_hash, password):
        return _failed(session, user, policy, actor, now, "auth.login.failure"), user
    if policy.hasher.check_needs_rehash(user.password_hash):
        user.password_hash = policy.hasher.hash(password)
    _audit(session, "auth.password.success", actor, user)
    return Outcome.OK, user


def verify_second_factor(
    session: Session, user: StaffUser, code: str, *, policy: Policy, actor: Actor, now: datetime
) -> Outcome:
    """Accept a current TOTP code (never one already used) or an unused recovery code."""
    if _locked(user, now):
        _audit(session, "auth.mfa.failure", actor, user, outcome="denied", reason="locked")
        return Outcome.LOCKED
    step = totp.matching_step(user.totp_secret or "", code, now, user.totp_last_step)
    if step is not None:
        user.totp_last_step = step
        return _signed_in(session, user, actor, now, "totp")
    recovery = _unused_recovery_code(user, code)
    if recovery is not None:
        recovery.used_at = now
        return _signed_in(session, user, actor, now, "recovery code")
    return _failed(session, user, policy, actor, now, "auth.mfa.failure")


def start_enrolment(session: Session, user: StaffUser) -> str:
    """A new secret, kept aside until a code made from it proves the app has it."""
    if user.totp_pending_secret is None:
        user.totp_pending_secret = totp.new_secret()
    return user.totp_pending_secret


def confirm_enrolment(
    session: Session, user: StaffUser, code: str, *, actor: Actor, now: datetime
) -> list[str] | None:
    """Make the pending secret the second factor; returns the new recovery codes, shown once."""
    secret = user.totp_pending_secret
    step = totp.matching_step(secret or "", code, now, None) if secret else None
    if step is None:
        _audit(session, "auth.mfa.enrol", actor, user, outcome="failure")
        return None
    user.totp_secret, user.totp_pending_secret = secret, None
    user.totp_last_step, user.totp_enrolled_at = step, now
    _audit(session, "auth.mfa.enrol", actor, user)
    return new_recovery_codes(session, user, actor=actor)


def new_recovery_codes(session: Session, user: StaffUser, *, actor: Actor) -> list[str]:
    codes = ["-".join(_random_chars(4) for _ in range(3)) for _ in range(RECOVERY_CODES)]
    user.recovery_codes = [RecoveryCode(code_hash=_recovery_hash(code)) for code in codes]
    _audit(session, "auth.recovery_codes.new", actor, user)
    return codes


def reset_second_factor(session: Session, user: StaffUser, *, actor: Actor) -> None:
    """Remove the second factor: the next sign-in must enrol a new one."""
    user.totp_secret = user.totp_pending_secret = None
    user.totp_last_step = user.totp_enrolled_at = None
    user.recovery_codes = []
    _audit(session, "auth.mfa.reset", actor, user)


def change_password(
    session: Session,
    user: StaffUser,
    new_password: str,
    *,
    hasher: PasswordHasher,
    actor: Actor,
    now: datetime,
) -> None:
    problems = password_problems(new_password, login=user.login, display_name=user.display_name)
    if verify_password(hasher, user.password_hash, new_password):
        problems.append("今のパスワードとは別のものにしてください。")
    if problems:
        raise AccountError(" ".join(problems))
    user.password_hash = hasher.hash(new_password)
    user.must_change_password = False
    user.password_changed_at = now
    _audit(session, "auth.password.change", actor, user)


def set_roles(session: Session, user: StaffUser, roles: set[str], *, actor: Actor) -> None:
    _check_roles(roles)
    if roles == user.roles:
        return
    user.role_rows = [StaffRole(role=role) for role in sorted(roles)]
    _audit(session, "staff.roles.change", actor, user, reason=", ".join(sorted(roles)))


def set_active(session: Session, user: StaffUser, active: bool, *, actor: Actor) -> None:
    if user.active == active:
        return
    user.active = active
    _audit(session, "staff.enable" if active else "staff.disable", actor, user)


def unlock(session: Session, user: StaffUser, *, actor: Actor) -> None:
    user.failed_logins, user.locked_until = 0, None
    _audit(session, "auth.unlock", actor, user)


def temporary_password() -> str:
    """A password an administrator hands over once; it must be changed at first sign-in."""
    return "-".join(_random_chars(5) for _ in range(4))


def _signed_in(
    session: Session, user: StaffUser, actor: Actor, now: datetime, method: str
) -> Outcome:
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    _audit(session, "auth.login.success", actor, user, reason=method)
    return Outcome.OK


def _failed(
    session: Session, user: StaffUser, policy: Policy, actor: Actor, now: datetime, action: str
) -> Outcome:
    user.failed_logins += 1
    _audit(session, action, actor, user, outcome="failure")
    if user.failed_logins >= policy.lockout_threshold:
        user.locked_until = now + timedelta(minutes=policy.lockout_minutes)
        user.failed_logins = 0
        _audit(session, "auth.lock", actor, user, reason=f"{policy.lockout_minutes} minutes")
    # The attempt that locks answers like any failure; the next says "locked", for a real
    # login and an unknown one alike (the per-login rate limit locks those).
    return Outcome.INVALID


def _locked(user: StaffUser, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def _unused_recovery_code(user: StaffUser, code: str) -> RecoveryCode | None:
    wanted = _recovery_hash(code)
    for recovery in user.recovery_codes:
        if recovery.used_at is None and secrets.compare_digest(recovery.code_hash, wanted):
            return recovery
    return None


def _recovery_hash(code: str) -> str:
    # The codes are random (60 bits), so a keyed hash is enough; the key is not in the database.
    return blind_index("".join(code.split()).replace("-", ""), "recovery_code")


def _random_chars(count: int) -> str:
    return "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(count))


def _check_roles(roles: set[str]) -> None:
    unknown = roles - set(ROLES)
    if unknown:
        raise AccountError(f"不明な役割です: {', '.join(sorted(unknown))}")
    if not roles:
        raise AccountError("役割を一つ以上選んでください。")


def _audit(
    session: Session,
    action: str,
    actor: Actor,
    subject: StaffUser,
    *,
    outcome: str = "success",
    reason: str | None = None,
) -> None:
    audit.record(
        session,
        action=action,
        outcome=outcome,
        actor=actor.user if actor.user is not None else subject,
        object_type="staff_user",
        object_id=str(subject.id),
        client_network=actor.network,
        reason=reason,
    )
