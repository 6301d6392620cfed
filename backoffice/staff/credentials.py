"""An account's secrets: its password (changed by its owner, or a temporary one issued by an
administrator), its second factor (enrolled, or reset) and its recovery codes.

Each change is audited and leaves a notice for the owner (``notices.py``). An administrator's
reset makes the account's four-eyes roles wait again (``role_grants.py``). Checking these
secrets at sign-in is in ``signin.py``.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from backoffice.staff import notices, role_grants, totp
from backoffice.staff.accounts import (
    OWN_ACCOUNT,
    AccountError,
    audit_account,
    audit_waiting,
    is_self,
)
from backoffice.staff.actor import Actor
from backoffice.staff.models import RecoveryCode, StaffUser
from backoffice.staff.passwords import password_problems, verify_password
from core.crypto import blind_index

RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes: 0/o, 1/l/i
RECOVERY_CODES = 10


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
    if is_self(actor, user):
        raise AccountError(OWN_ACCOUNT)
    password = temporary_password()
    user.password_hash = hasher.hash(password)
    user.must_change_password = True
    user.password_changed_at = now
    audit_account(session, "auth.password.reset", actor, user)
    held = role_grants.hold_for_approval(user, actor=actor, now=now)
    audit_waiting(session, actor, user, "password reset", held)
    notices.notify(session, user.id, "password.reset", by_administrator=True, now=now)
    return password


def temporary_password() -> str:
    """A password an administrator hands over once; it must be changed at first sign-in."""
    return "-".join(_random_chars(5) for _ in range(4))


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


def reset_second_factor(session: Session, user: StaffUser, *, actor: Actor, now: datetime) -> None:
    """Remove the second factor: the next sign-in must enrol a new one."""
    user.totp_secret = user.totp_pending_secret = None
    user.totp_last_step = user.totp_enrolled_at = None
    user.recovery_codes = []
    audit_account(session, "auth.mfa.reset", actor, user)
    held = role_grants.hold_for_approval(user, actor=actor, now=now)
    audit_waiting(session, actor, user, "second factor reset", held)
    notices.notify(
        session, user.id, "mfa.reset", by_administrator=not is_self(actor, user), now=now
    )


def new_recovery_codes(
    session: Session, user: StaffUser, *, actor: Actor, now: datetime
) -> list[str]:
    codes = _make_recovery_codes(session, user, actor)
    notices.notify(session, user.id, "recovery_codes.new", by_administrator=False, now=now)
    return codes


def recovery_hash(code: str) -> str:
    # The codes are random (60 bits), so a keyed hash is enough; the key is not in the database.
    return blind_index("".join(code.split()).replace("-", ""), "recovery_code")


def _make_recovery_codes(session: Session, user: StaffUser, actor: Actor) -> list[str]:
    codes = ["-".join(_random_chars(4) for _ in range(3)) for _ in range(RECOVERY_CODES)]
    user.recovery_codes = [RecoveryCode(code_hash=recovery_hash(code)) for code in codes]
    audit_account(session, "auth.recovery_codes.new", actor, user)
    return codes


def _random_chars(count: int) -> str:
    return "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(count))
