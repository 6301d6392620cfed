"""Staff accounts: finding one, creating one, its profile, enabling and unlocking it, and the
audit events every account service writes.

An account's secrets (passwords, the second factor, recovery codes) are in ``credentials.py``;
giving and approving roles in ``role_changes.py``, under the four-eyes rule of
``role_grants.py``; sign-in itself in ``signin.py``, its attempt clock in ``lockout.py``.

Services take the database session first and the ``Actor`` who acts, and never touch the
request; every security event is written to the audit trail in the same transaction as the
change it records.
"""

from __future__ import annotations

import re
from datetime import datetime

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.staff import lockout, role_grants
from backoffice.staff.actor import Actor
from backoffice.staff.models import StaffUser
from backoffice.staff.passwords import password_problems
from backoffice.staff.permissions import ROLES
from core import audit
from core.db import utcnow

LOGIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
OWN_ACCOUNT = (
    "自分のアカウントのパスワードと二段階認証は、「自分のアカウント」の画面で、"
    "今のパスワードを確かめてから変更してください。"
)


class AccountError(ValueError):
    """A change was refused; the message is for the person who asked for it."""


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
    check_roles(roles)
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
    audit_waiting(session, actor, user, "granted", roles)
    return user


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


def check_roles(roles: set[str]) -> None:
    unknown = roles - set(ROLES)
    if unknown:
        raise AccountError(f"不明な役割です: {', '.join(sorted(unknown))}")
    if not roles:
        raise AccountError("役割を一つ以上選んでください。")


def is_self(actor: Actor, user: StaffUser) -> bool:
    return actor.user is not None and actor.user.id == user.id


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


def audit_waiting(
    session: Session, actor: Actor, user: StaffUser, cause: str, roles: set[str] | list[str]
) -> None:
    """The roles of ``roles`` now waiting for approval, and why. Role names and the cause only:
    the trail never holds a person's details."""
    waiting = sorted(role for role in roles if role in {row.role for row in user.pending_roles})
    if waiting:
        audit_account(
            session, "staff.roles.pending", actor, user, reason=f"{cause}: {', '.join(waiting)}"
        )
