"""Staff accounts: creation, second factor, recovery codes, passwords, roles, profile.

Roles that read cases wait for a second administrator's approval (``role_grants.py``).

Sign-in itself is in ``signin.py``, its attempt clock in ``lockout.py``.

Services take the database session first and never touch the request; every security event is
written to the audit trail in the same transaction as the change it records.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.staff import lockout, notices, role_grants, totp
from backoffice.staff.actor import Actor
from backoffice.staff.lockout import Clock
from backoffice.staff.models import RecoveryCode, StaffUser
from backoffice.staff.passwords import password_problems, verify_password
from backoffice.staff.permissions import CASE_ROLES, ROLES
from core import audit
from core.config import Settings
from core.crypto import blind_index
from core.db import utcnow

LOGIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes: 0/o, 1/l/i
RECOVERY_CODES = 10
OWN_ACCOUNT = (
    "自分のアカウントのパスワードと二段階認証は、「自分のアカウント」の画面で、"
    "今のパスワードを確かめてから変更してください。"
)


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

    @property
    def clock(self) -> Clock:
        return Clock(self.lockout_threshold, self.lockout_minutes)


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
    now: datetime | None = None,
) -> StaffUser:
    """A new account. Given by an administrator (``actor.user``), a case role or the admin role
    waits for a second administrator; the server shell gives every role in effect."""
    now = now or utcnow()
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
        role_rows=[role_grants.new_role_row(role, actor=actor, now=now) for role in sorted(roles)],
    )
    session.add(user)
    session.flush()
    audit_account(session, "staff.create", actor, user, reason=f"roles: {', '.join(sorted(roles))}")
    _audit_waiting(session, actor, user, "granted", roles)
    return user


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
        audit_account(session, "auth.mfa.enrol", actor, user, outcome="failure")
        return None
    user.totp_secret, user.totp_pending_secret = secret, None
    user.totp_last_step, user.totp_enrolled_at = step, now
    audit_account(session, "auth.mfa.enrol", actor, user)
    notices.notify(session, user.id, "mfa.enrol", by_administrator=False, now=now)
    return _make_recovery_codes(session, user, actor)


def new_recovery_codes(
    session: Session, user: StaffUser, *, actor: Actor, now: datetime
) -> list[str]:
    codes = _make_recovery_codes(session, user, actor)
    notices.notify(session, user.id, "recovery_codes.new", by_administrator=False, now=now)
    return codes


def reset_second_factor(session: Session, user: StaffUser, *, actor: Actor, now: datetime) -> None:
    """Remove the second factor: the next sign-in must enrol a new one."""
    user.totp_secret = user.totp_pending_secret = None
    user.totp_last_step = user.totp_enrolled_at = None
    user.recovery_codes = []
    audit_account(session, "auth.mfa.reset", actor, user)
    held = role_grants.hold_for_approval(user, actor=actor, now=now)
    _audit_waiting(session, actor, user, "second factor reset", held)
    notices.notify(
        session, user.id, "mfa.reset", by_administrator=not _is_self(actor, user), now=now
    )


def change_password(
    session: Session,
    user: StaffUser,
    new_password: str,
    *,
    hasher: PasswordHasher,
    actor: Actor,
    now: datetime,
) -> None:
    """Set the owner's new password. The caller has checked the current one (or the temporary
    one, at first sign-in): nothing here may be reached without it."""
    problems = password_problems(new_password, login=user.login, display_name=user.display_name)
    if verify_password(hasher, user.password_hash, new_password):
        problems.append("今のパスワードとは別のものにしてください。")
    if problems:
        raise AccountError(" ".join(problems))
    user.password_hash = hasher.hash(new_password)
    user.must_change_password = False
    user.password_changed_at = now
    audit_account(session, "auth.password.change", actor, user)
    notices.notify(session, user.id, "password.change", by_administrator=False, now=now)


def issue_temporary_password(
    session: Session, user: StaffUser, *, hasher: PasswordHasher, actor: Actor, now: datetime
) -> str:
    """An administrator's reset: a temporary password the person must change at sign-in.

    Refused for one's own account, which changes its password on the account page, with the
    current password: otherwise a taken-over administrator session could take over the account.
    """
    if _is_self(actor, user):
        raise AccountError(OWN_ACCOUNT)
    password = temporary_password()
    user.password_hash = hasher.hash(password)
    user.must_change_password = True
    user.password_changed_at = now
    audit_account(session, "auth.password.reset", actor, user)
    held = role_grants.hold_for_approval(user, actor=actor, now=now)
    _audit_waiting(session, actor, user, "password reset", held)
    notices.notify(session, user.id, "password.reset", by_administrator=True, now=now)
    return password


def set_roles(
    session: Session, user: StaffUser, roles: set[str], *, actor: Actor, now: datetime | None = None
) -> None:
    """Give exactly ``roles``: rows of roles kept stay, only the difference is added or removed.

    (Replacing every row inserted the kept roles again before the old rows were deleted, which
    the unique (user, role) constraint refused.) Nobody may give themselves a case role; one an
    administrator gives waits for a second administrator, and a kept role keeps its approval.
    """
    _check_roles(roles)
    current = set(user.granted_roles)
    added, removed = roles - current, current - roles
    if not added and not removed:
        return
    if _is_self(actor, user) and added & CASE_ROLES:
        audit_account(
            session, "staff.roles.change", actor, user, outcome="denied", reason="self-grant"
        )
        raise AccountError(
            "つなぎ支援の役割（専任職員・監督者・つなぎ支援員）は、自分に付けることはできません。"
            "ほかの管理者に依頼してください。"
        )
    for row in [row for row in user.role_rows if row.role in removed]:
        user.role_rows.remove(row)
    now = now or utcnow()
    user.role_rows.extend(
        role_grants.new_role_row(role, actor=actor, now=now) for role in sorted(added)
    )
    audit_account(session, "staff.roles.change", actor, user, reason=", ".join(sorted(roles)))
    _audit_waiting(session, actor, user, "granted", added)


def approve_role(
    session: Session, user: StaffUser, role: str, *, actor: Actor, now: datetime
) -> None:
    """A second administrator approves a waiting role: from now on it grants its permissions.

    Refused (and audited) for the one who granted it or reset the account, and for the account
    itself; the server shell may approve (the operator's trust boundary).
    """
    row = next((row for row in user.pending_roles if row.role == role), None)
    if row is None:
        raise AccountError("この役割は承認待ちではありません。画面を読み込み直してください。")
    refusal = role_grants.approval_refusal(user, row, actor)
    if refusal is not None:
        audit_account(
            session, "staff.roles.approve", actor, user, outcome="denied",
            reason=f"{refusal}: {role}",
        )  # fmt: skip
        raise AccountError(role_grants.REFUSALS[refusal])
    row.approved_by_id, row.approved_at = actor.id, now
    granter = f"staff_user {row.granted_by_id}" if row.granted_by_id else "server shell"
    audit_account(
        session, "staff.roles.approve", actor, user, reason=f"{role}; granted by {granter}"
    )


def update_profile(
    session: Session, user: StaffUser, *, display_name: str, email: str, actor: Actor
) -> list[str]:
    """Change the name shown and the e-mail; the audit names the fields, never the values."""
    # An empty name keeps the current one (the form already asks for one).
    wanted = {"display_name": display_name.strip() or user.display_name, "email": email.strip()}
    changed = [field for field, value in wanted.items() if getattr(user, field) != value]
    if changed:
        for field in changed:
            setattr(user, field, wanted[field])
        audit_account(
            session, "staff.profile.change", actor, user, reason="changed: " + ", ".join(changed)
        )
    return changed


def set_active(session: Session, user: StaffUser, active: bool, *, actor: Actor) -> None:
    if user.active == active:
        return
    user.active = active
    audit_account(session, "staff.enable" if active else "staff.disable", actor, user)


def unlock(session: Session, user: StaffUser, *, actor: Actor) -> None:
    lockout.clear(session, user.id)
    session.expire(user, ["failed_logins", "last_failed_at", "locked_until"])
    audit_account(session, "auth.unlock", actor, user)


def temporary_password() -> str:
    """A password an administrator hands over once; it must be changed at first sign-in."""
    return "-".join(_random_chars(5) for _ in range(4))


def recovery_hash(code: str) -> str:
    # The codes are random (60 bits), so a keyed hash is enough; the key is not in the database.
    return blind_index("".join(code.split()).replace("-", ""), "recovery_code")


def _make_recovery_codes(session: Session, user: StaffUser, actor: Actor) -> list[str]:
    codes = ["-".join(_random_chars(4) for _ in range(3)) for _ in range(RECOVERY_CODES)]
    user.recovery_codes = [RecoveryCode(code_hash=recovery_hash(code)) for code in codes]
    audit_account(session, "auth.recovery_codes.new", actor, user)
    return codes


def _audit_waiting(
    session: Session, actor: Actor, user: StaffUser, cause: str, roles: set[str] | list[str]
) -> None:
    """Role names and the cause only: the trail never holds a person's details."""
    waiting = sorted(role for role in roles if role in {row.role for row in user.pending_roles})
    if waiting:
        audit_account(
            session, "staff.roles.pending", actor, user, reason=f"{cause}: {', '.join(waiting)}"
        )


def _is_self(actor: Actor, user: StaffUser) -> bool:
    return actor.user is not None and actor.user.id == user.id


def _random_chars(count: int) -> str:
    return "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(count))


def _check_roles(roles: set[str]) -> None:
    unknown = roles - set(ROLES)
    if unknown:
        raise AccountError(f"不明な役割です: {', '.join(sorted(unknown))}")
    if not roles:
        raise AccountError("役割を一つ以上選んでください。")


def audit_account(
    session: Session,
    action: str,
    actor: Actor,
    subject: StaffUser,
    *,
    outcome: str = "success",
    reason: str | None = None,
) -> None:
    """An audit event about a staff account, by the actor (or the account itself at sign-in)."""
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
