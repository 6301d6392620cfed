"""Contact matches: which other subjects and referrals share a phone number, an e-mail address
or a name with a subject. Found by blind indexes whenever the details are stored, and told to
coordinators (`outreach.edit`) only; a referral is named only to staff who may see it. Each
check and each showing is audited with the outcome, never the details.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from backoffice.outreach.models import OutreachMatch, OutreachSubject
from backoffice.outreach.scopes import edits_subjects
from backoffice.outreach.trail import record_event
from backoffice.referrals.models import Referral
from backoffice.referrals.scopes import visible_to as referrals_visible_to
from backoffice.staff.actor import Actor


def check_matches(session: Session, subject: OutreachSubject, *, actor: Actor) -> int:
    """Record which subjects and referrals share a phone, e-mail or name with ``subject``
    (replacing what was found before); audited with the outcome only."""
    session.flush()
    session.execute(
        delete(OutreachMatch).where(
            or_(
                OutreachMatch.subject_id == subject.id, OutreachMatch.other_subject_id == subject.id
            )
        )
    )
    same = [
        getattr(OutreachSubject, column) == value
        for column in ("phone_index", "email_index", "name_index")
        if (value := getattr(subject, column))
    ]
    others = (
        list(
            session.scalars(
                select(OutreachSubject.id).where(or_(*same), OutreachSubject.id != subject.id)
            )
        )
        if same
        else []
    )
    cases = [
        getattr(Referral, column) == value
        for column in ("phone_index", "email_index")
        if (value := getattr(subject, column))
    ]
    referrals = list(session.scalars(select(Referral.id).where(or_(*cases)))) if cases else []
    session.add_all(OutreachMatch(subject_id=subject.id, other_subject_id=o) for o in others)
    session.add_all(OutreachMatch(subject_id=subject.id, other_referral_id=r) for r in referrals)
    session.flush()
    found = len(others) + len(referrals)
    record_event(
        session, "outreach.duplicate_check", subject.id, actor, "match" if found else "no match"
    )
    return found


@dataclass(frozen=True)
class MatchNotice:
    message: str
    subject_id: int | None = None
    referral_id: int | None = None


def match_notices(session: Session, subject: OutreachSubject, actor: Actor) -> list[MatchNotice]:
    """The recorded matches, for coordinators (`outreach.edit`) only; a referral is named only
    to staff who may see it."""
    if not edits_subjects(actor):
        return []
    rows = session.execute(
        select(OutreachMatch).where(
            or_(
                OutreachMatch.subject_id == subject.id, OutreachMatch.other_subject_id == subject.id
            )
        )
    ).scalars()
    subject_ids: set[int] = set()
    referral_ids: set[int] = set()
    for match in rows:
        if match.other_referral_id is not None:
            referral_ids.add(match.other_referral_id)
        else:
            other = match.other_subject_id if match.subject_id == subject.id else match.subject_id
            if other is not None:
                subject_ids.add(other)
    notices = [
        MatchNotice(
            f"同じ連絡先または氏名の対象者がいます（{number}）。同じ方か確かめてください。",
            subject_id=sid,
        )
        for sid, number in session.execute(
            select(OutreachSubject.id, OutreachSubject.subject_number)
            .where(OutreachSubject.id.in_(subject_ids))
            .order_by(OutreachSubject.id)
        )
    ]
    if referral_ids:
        notices += [
            MatchNotice(f"同じ連絡先のつなぎ支援の案件があります（{number}）。", referral_id=rid)
            for rid, number in session.execute(
                select(Referral.id, Referral.case_number)
                .where(Referral.id.in_(referral_ids), referrals_visible_to(actor))
                .order_by(Referral.id)
            )
        ]
    if notices:
        record_event(session, "outreach.duplicate_shown", subject.id, actor, f"{len(notices)}")
    return notices
