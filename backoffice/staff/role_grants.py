"""The four-eyes rule for the roles that read cases (and the role that approves them).

An administrator who gives such a role through the web, or resets another account's password or
second factor, could sign in as that account: so the role waits until a second, different
administrator approves it, and a waiting role grants nothing (``StaffUser.roles`` leaves it
out). The server shell (an actor without a user: the ``staff`` CLI, the demo loader) is the
operator's trust boundary and gives roles in effect at once.
"""

from __future__ import annotations

from datetime import datetime

from backoffice.staff.actor import Actor
from backoffice.staff.models import StaffRole, StaffUser
from backoffice.staff.permissions import FOUR_EYES_ROLES, permissions_for

OWN_ACCOUNT = "own account"
OWN_GRANT = "own grant"
NOT_ADMINISTRATOR = "not an administrator"
REFUSALS = {
    OWN_ACCOUNT: "自分のアカウントの役割は承認できません。ほかの管理者に依頼してください。",
    OWN_GRANT: (
        "自分が付けた役割や、自分がパスワード・二段階認証をリセットしたアカウントの役割は、"
        "承認できません。ほかの管理者に依頼してください。"
    ),
    NOT_ADMINISTRATOR: "役割を承認できるのは、承認済みの管理者だけです。",
}


def waits_for_approval(role: str, actor: Actor) -> bool:
    return actor.user is not None and role in FOUR_EYES_ROLES


def new_role_row(role: str, *, actor: Actor, now: datetime) -> StaffRole:
    """A role given by ``actor``: waiting for approval when the four-eyes rule asks for it."""
    return StaffRole(
        role=role,
        granted_by_id=actor.id,
        granted_at=now,
        approved_at=None if waits_for_approval(role, actor) else now,
    )


def hold_for_approval(user: StaffUser, *, actor: Actor, now: datetime) -> list[str]:
    """After an administrator reset another account's password or second factor: its four-eyes
    roles wait again, and the one who reset counts as their granter, so cannot approve them.
    Returns the roles now waiting (already waiting ones too: their granter changes)."""
    if actor.user is None or actor.user.id == user.id:
        return []
    held = [row for row in user.role_rows if waits_for_approval(row.role, actor)]
    for row in held:
        row.granted_by_id, row.granted_at = actor.id, now
        row.approved_by_id = row.approved_at = None
    return sorted(row.role for row in held)


def approval_refusal(user: StaffUser, row: StaffRole, actor: Actor) -> str | None:
    """Why ``actor`` may not approve ``row`` (a reason for the audit trail), or None."""
    if actor.user is None:
        return None  # the server shell
    if "staff.manage" not in permissions_for(actor.user.roles):
        return NOT_ADMINISTRATOR
    if actor.user.id == user.id:
        return OWN_ACCOUNT
    if actor.user.id == row.granted_by_id:
        return OWN_GRANT
    return None
