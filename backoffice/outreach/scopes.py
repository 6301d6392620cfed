"""Who sees outreach subjects. `outreach.read` reads them, `outreach.edit` changes them: the
municipality's dedicated staff and their supervisors. NPO liaisons and analysts hold neither, so
a subject is "not found" for them, never "forbidden". Every read of a subject is an audit event,
and an anonymised subject is never changed again.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from backoffice.outreach.models import OutreachSubject
from backoffice.outreach.trail import record_event
from backoffice.staff.actor import Actor
from core.problems import ProblemsError


class AnonymisedSubjectError(ProblemsError):
    def __init__(self, number: str) -> None:
        super().__init__({"subject": f"{number} は匿名化されているため、変更できません。"})


def reads_subjects(actor: Actor) -> bool:
    return actor.may("outreach.read")


def edits_subjects(actor: Actor) -> bool:
    return actor.may("outreach.edit")


def open_subject(
    session: Session, subject_id: int, actor: Actor, *, why: str = "view"
) -> OutreachSubject | None:
    """The subject if ``actor`` may read subjects, with the read audited; otherwise None."""
    if not reads_subjects(actor):
        return None
    subject = session.get(OutreachSubject, subject_id)
    if subject is None:
        return None
    record_event(session, "outreach.read", subject.id, actor, reason=why)
    return subject


def refuse_if_anonymised(subject: OutreachSubject) -> None:
    if subject.anonymised_at is not None:
        raise AnonymisedSubjectError(subject.subject_number)
