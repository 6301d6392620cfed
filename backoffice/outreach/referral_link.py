"""A subject who agrees to help becomes a referral without retyping.

The referral intake opens with what the subject's record already holds (`prefill`); the consent
is still asked there, each box ticked by staff, as at any intake. The referral is stored by the
referral intake service (`backoffice.referrals.intake.create_referral`); `link` then ties both
records in the same transaction: the subject points at the referral and moves to つなぎ完了.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.outreach.models import OPEN_STATUSES, OutreachSubject
from backoffice.outreach.scopes import edits_subjects, open_subject
from backoffice.outreach.status import move_status
from backoffice.outreach.trail import record_event
from backoffice.referrals.models import Referral
from backoffice.staff.actor import Actor

# The intake's fields the subject's record fills in: the basic part and the categories. What
# the consent may leave out (the summary) is not copied: staff write it once consent is given.
PREFILLED = ("person_name", "person_kana", "phone", "email", "district", "problem_categories")


def convertible(session: Session, subject_id: int, actor: Actor) -> OutreachSubject | None:
    """The subject, read (audited) for the intake, if ``actor`` may convert it and it is
    still open and not yet a referral; otherwise None."""
    if not (edits_subjects(actor) and actor.may("referral.create")):
        return None
    subject = open_subject(session, subject_id, actor, why="referral intake")
    if subject is None or subject.linked_referral_id is not None:
        return None
    if subject.status not in OPEN_STATUSES or subject.anonymised_at is not None:
        return None
    return subject


def prefill(subject: OutreachSubject) -> dict[str, Any]:
    """The intake form's starting values from the subject."""
    return {
        "person_name": subject.person_name or "",
        "person_kana": subject.person_kana or "",
        "phone": subject.phone or "",
        "email": subject.email or "",
        "district": subject.district,
        "problem_categories": list(subject.concern),
    }


def link(session: Session, subject: OutreachSubject, referral: Referral, *, actor: Actor) -> None:
    """Tie the subject to the referral it became, and close it as つなぎ完了. Audited."""
    subject.linked_referral_id = referral.id
    session.flush()
    move_status(
        session, subject, "connected", actor=actor, reason=f"つなぎ支援 {referral.case_number}"
    )
    record_event(session, "outreach.referral", subject.id, actor, f"referral {referral.id}")


def source_subject(session: Session, referral_id: int, actor: Actor) -> tuple[int, str] | None:
    """The subject a referral came from (id, number), for staff who may read subjects."""
    if not actor.may("outreach.read"):
        return None
    row = session.execute(
        select(OutreachSubject.id, OutreachSubject.subject_number).where(
            OutreachSubject.linked_referral_id == referral_id
        )
    ).first()
    return (row.id, row.subject_number) if row else None
