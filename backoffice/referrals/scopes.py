"""Who sees which referrals, and how much of each; every read of a case is audited.

The municipality's dedicated staff (`referral.edit`) see every case in full. An NPO liaison
(`referral.read` only) sees the cases they created or were added to, and of those only the
status, the dates, the section in charge, the fields the person's consent allows, and notes the
municipality marked as shared. Anyone else sees none; a case outside one's scope is "not found",
never "forbidden", so its existence is not revealed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, false, or_, select, true
from sqlalchemy.orm import Session

from backoffice.referrals.models import Referral, ReferralMember
from backoffice.staff.permissions import permissions_for
from core import audit

# What a liaison may see, by consent scope (besides status, dates and the section in charge).
BASIC_FIELDS = (
    "person_name", "person_kana", "pseudonym", "age_band", "gender", "district", "phone",
    "line_name", "email", "preferred_method", "preferred_times", "callback_may_identify",
)  # fmt: skip
SUMMARY_FIELDS = ("wants", "summary", "problem_categories")
ASSESSMENT_FIELDS = ("assessment", "risk_level", "urgent")


@dataclass(frozen=True)
class Viewer:
    """A staff user as the referral rules see them."""

    user_id: int
    login: str
    full: bool  # the whole case, every case (municipal dedicated staff)
    reader: bool  # may read referrals at all
    supervisor: bool

    @property
    def id(self) -> int:  # an audit actor
        return self.user_id


def viewer_for(user: Any) -> Viewer:
    granted = permissions_for(user.roles)
    return Viewer(
        user_id=user.id,
        login=user.login,
        full="referral.edit" in granted,
        reader="referral.read" in granted,
        supervisor="referral.supervise" in granted,
    )


def visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """The SQL condition for the referrals ``viewer`` may see."""
    if not viewer.reader:
        return false()
    if viewer.full:
        return true()
    member = exists().where(
        ReferralMember.referral_id == Referral.id, ReferralMember.staff_user_id == viewer.user_id
    )
    return or_(Referral.created_by_id == viewer.user_id, member)


def scoped(statement: Select, viewer: Viewer) -> Select:
    return statement.where(visible_to(viewer))


def open_referral(
    session: Session, referral_id: int, viewer: Viewer, *, network: str | None, why: str = "view"
) -> Referral | None:
    """The case if ``viewer`` may see it, with the read audited; otherwise None (not found)."""
    referral = session.scalar(scoped(select(Referral).where(Referral.id == referral_id), viewer))
    if referral is None:
        return None
    audit.record(
        session,
        action="referral.read",
        actor=viewer,
        object_type="referral",
        object_id=referral.id,
        client_network=network,
        reason=why,
    )
    return referral


def liaison_fields(referral: Referral) -> frozenset[str]:
    """The person's fields a liaison may see on this case, as the consent allows."""
    consent = referral.consent
    if consent is None:
        return frozenset()
    allowed: set[str] = set()
    if consent.share_basic:
        allowed |= set(BASIC_FIELDS)
    if consent.share_summary:
        allowed |= set(SUMMARY_FIELDS)
    if consent.share_assessment:
        allowed |= set(ASSESSMENT_FIELDS)
    return frozenset(allowed)


def may_see(viewer: Viewer, referral: Referral, field: str) -> bool:
    return viewer.full or field in liaison_fields(referral)
