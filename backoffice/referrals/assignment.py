"""Who handles a case: assignment to dedicated staff, their acknowledgement, added liaisons."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.referrals.models import Referral, ReferralMember
from backoffice.referrals.trail import record_case_event
from backoffice.referrals.workflow import check_version
from backoffice.staff.actor import Actor
from backoffice.staff.models import StaffUser
from backoffice.staff.permissions import permissions_for
from core.db import utcnow


class AssignmentError(ValueError):
    pass


def case_staff(session: Session) -> list[StaffUser]:
    """Active staff who may take a case (they hold `referral.edit`)."""
    users = session.scalars(select(StaffUser).where(StaffUser.active.is_(True)))
    return [u for u in users if "referral.edit" in permissions_for(u.roles)]


def liaisons(session: Session) -> list[StaffUser]:
    users = session.scalars(select(StaffUser).where(StaffUser.active.is_(True)))
    granted = ((u, permissions_for(u.roles)) for u in users)
    return [u for u, p in granted if "referral.read" in p and "referral.edit" not in p]


def assign(
    session: Session, referral: Referral, staff_id: int, *, actor: Actor,
    expected_version: int | None,
) -> None:  # fmt: skip
    """Give the case to ``staff_id``. Taking it oneself is also the acknowledgement: nobody
    else has to confirm that the assignee has it (both are audited)."""
    check_version(referral, expected_version)
    if staff_id not in {u.id for u in case_staff(session)}:
        raise AssignmentError("担当者を一覧から選んでください。")
    if referral.assigned_to_id != staff_id:
        referral.assigned_to_id = staff_id
        referral.assigned_at = utcnow()
        referral.acknowledged_at = referral.acknowledged_by_id = None  # the new one confirms
    _audit(session, "referral.assign", referral, actor, reason=f"to:{staff_id}")
    if staff_id == actor.id and referral.acknowledged_at is None:
        referral.acknowledged_at = utcnow()
        referral.acknowledged_by_id = actor.id
        _audit(session, "referral.acknowledge", referral, actor)


def acknowledge(
    session: Session, referral: Referral, *, actor: Actor, expected_version: int | None
) -> None:
    """The assigned staff member confirms they have taken the case over."""
    check_version(referral, expected_version)
    if referral.assigned_to_id != actor.id:
        raise AssignmentError("担当者として割り当てられた職員だけが受け取りを確認できます。")
    if referral.acknowledged_at is None:
        referral.acknowledged_at = utcnow()
        referral.acknowledged_by_id = actor.id
    _audit(session, "referral.acknowledge", referral, actor)


def add_member(session: Session, referral: Referral, staff_id: int, *, actor: Actor) -> None:
    """Let another liaison of the NPO see the case (as its creator does)."""
    if staff_id not in {u.id for u in liaisons(session)}:
        raise AssignmentError("追加するつなぎ支援員を一覧から選んでください。")
    present = {m.staff_user_id for m in referral.members} | {referral.created_by_id}
    if staff_id not in present:
        referral.members.append(ReferralMember(staff_user_id=staff_id, role="liaison"))
    _audit(session, "referral.member", referral, actor, reason=f"add:{staff_id}")


def _audit(
    session: Session, action: str, referral: Referral, actor: Actor, reason: str | None = None
) -> None:
    session.flush()
    record_case_event(session, action, referral.id, actor, reason=reason)
