"""Who sees which referrals, and how much of each; every read of a case is audited.

The municipality's dedicated staff (`referral.edit`) see every case in full. An NPO liaison
(`referral.read` only) sees the cases they created or were added to, and of those only the
status, the dates, the section in charge, the fields the person's consent allows, and notes the
municipality marked as shared. Anyone else sees none; a case outside one's scope is "not found",
never "forbidden", so its existence is not revealed.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, exists, false, or_, select, true
from sqlalchemy.orm import Session

from backoffice.referrals.fields import seen_with
from backoffice.referrals.models import Referral, ReferralMember
from backoffice.referrals.sharing import shared_parts
from backoffice.referrals.trail import record_case_event
from backoffice.staff.actor import Actor


def reads_cases(actor: Actor) -> bool:
    """Whether ``actor`` may read referrals at all."""
    return actor.may("referral.read")


def sees_all_cases(actor: Actor) -> bool:
    """Every case, in full: the municipality's dedicated staff."""
    return actor.may("referral.edit")


def supervises_cases(actor: Actor) -> bool:
    return actor.may("referral.supervise")


def visible_to(actor: Actor) -> ColumnElement[bool]:
    """The SQL condition for the referrals ``actor`` may see."""
    if not reads_cases(actor):
        return false()
    if sees_all_cases(actor):
        return true()
    member = exists().where(
        ReferralMember.referral_id == Referral.id, ReferralMember.staff_user_id == actor.id
    )
    return or_(Referral.created_by_id == actor.id, member)


def scoped(statement: Select, actor: Actor) -> Select:
    return statement.where(visible_to(actor))


def open_referral(
    session: Session, referral_id: int, actor: Actor, *, why: str = "view"
) -> Referral | None:
    """The case if ``actor`` may see it, with the read audited; otherwise None (not found)."""
    referral = session.scalar(scoped(select(Referral).where(Referral.id == referral_id), actor))
    if referral is None:
        return None
    record_case_event(session, "referral.read", referral.id, actor, reason=why)
    return referral


def liaison_fields(referral: Referral) -> frozenset[str]:
    """The person's fields a liaison may see on this case, as the consent allows."""
    if referral.consent is None:
        return frozenset()
    parts = shared_parts(referral.consent)
    return frozenset(name for part in parts for name in seen_with(part))


def may_see(actor: Actor, referral: Referral, field: str) -> bool:
    return sees_all_cases(actor) or field in liaison_fields(referral)
