"""Changing an account's roles: giving and removing them, and a second administrator's approval
of a waiting one. The four-eyes rule they follow is in ``role_grants.py``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from backoffice.staff import role_grants
from backoffice.staff.accounts import (
    AccountError,
    audit_account,
    audit_waiting,
    check_roles,
    is_self,
)
from backoffice.staff.actor import Actor
from backoffice.staff.models import StaffUser
from backoffice.staff.permissions import CASE_ROLES
from core.db import utcnow


def set_roles(
    session: Session, user: StaffUser, roles: set[str], *, actor: Actor, now: datetime | None = None
) -> None:
    """Give exactly ``roles``: rows of roles kept stay, only the difference is added or removed.

    (Replacing every row inserted the kept roles again before the old rows were deleted, which
    the unique (user, role) constraint refused.) Nobody may give themselves a case role; one an
    administrator gives waits for a second administrator, and a kept role keeps its approval.
    """
    check_roles(roles)
    current = set(user.granted_roles)
    added, removed = roles - current, current - roles
    if not added and not removed:
        return
    if is_self(actor, user) and added & CASE_ROLES:
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
    audit_waiting(session, actor, user, "granted", added)


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
