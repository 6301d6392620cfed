"""A subject's record: export with a reason, legal hold, retention and anonymisation.

A closed subject (つなぎ完了 or 終了) is kept for the profile's ``retention_years`` counted from
1 April after its closure, exactly as referrals are (`backoffice.referrals.retention`); one on
legal hold is never anonymised. Anonymising clears every encrypted column of the subject and of
its contacts and status history, and the matches; what statistics need stays: the agency's kind,
the concern, the district, the dates, the statuses, the contacts' kinds and results, and the
cards handed out (per batch).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from backoffice.outreach.models import (
    CLOSED_STATUSES,
    OutreachContact,
    OutreachExport,
    OutreachMatch,
    OutreachStatusChange,
    OutreachSubject,
)
from backoffice.outreach.trail import record_event
from backoffice.outreach.vocabulary import (
    AGENCY_KIND_LABELS,
    CONCERN_LABELS,
    CONTACT_KIND_LABELS,
    CONTACT_RESULT_LABELS,
    END_REASON_LABELS,
    LEGAL_BASIS_LABELS,
    STATUS_LABELS,
)
from backoffice.referrals.records import RecordsError
from backoffice.referrals.retention import closure_cutoff, purge_date
from backoffice.staff.actor import Actor
from core.crypto import EncryptedString
from core.db import utcnow
from core.timezone import TOKYO
from directory.textnorm import normalize

FORMAT = "tsunagu.outreach/1"
REASON_LIMIT = 200
PERSONAL_REASON = (
    "理由に、本人の名前や連絡先を書かないでください（理由は記録として長く残ります）。"
    "対象者番号で足ります。"
)
PLAIN_RESETS = {"agency_organization_id": None, "name_index": None, "phone_index": None,
                "email_index": None}  # fmt: skip

__all__ = ["RecordsError"]


def _reason(reason: str, subject: OutreachSubject, missing: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        raise RecordsError(missing)
    if len(reason) > REASON_LIMIT:
        raise RecordsError(f"理由は{REASON_LIMIT}文字以内で入力してください。")
    if mentions_person(reason, subject):
        raise RecordsError(PERSONAL_REASON)
    return reason


def mentions_person(text: str, subject: OutreachSubject) -> bool:
    folded = normalize(text)
    terms = (subject.person_name, subject.person_kana, subject.email)
    if any(t and len(normalize(t)) >= 2 and normalize(t) in folded for t in terms):
        return True
    phone = "".join(c for c in normalize(subject.phone or "") if c.isdigit())
    return len(phone) >= 6 and phone in "".join(c for c in normalize(text) if c.isdigit())


# ---- export -----------------------------------------------------------------------------------


def subject_record(session: Session, subject: OutreachSubject) -> dict[str, Any]:
    """Everything on the subject, labelled, codes kept beside their labels."""

    def coded(code: str, labels: dict[str, str]) -> dict[str, str]:
        return {"code": code, "label": labels.get(code, code)}

    contacts = session.scalars(
        select(OutreachContact).where(OutreachContact.subject_id == subject.id)
        .order_by(OutreachContact.id)
    )  # fmt: skip
    return {
        "format": FORMAT,
        "subject_number": subject.subject_number,
        "exported_at": utcnow().astimezone(TOKYO).isoformat(timespec="minutes"),
        "anonymised": subject.anonymised_at is not None,
        "subject": {
            "received_on": subject.received_on.isoformat(),
            "status": coded(subject.status, STATUS_LABELS),
            "agency_kind": coded(subject.agency_kind, AGENCY_KIND_LABELS),
            "agency_organization_id": subject.agency_organization_id,
            "agency_name": subject.agency_name,
            "passed_on_by": subject.passed_on_by,
            "concern": [coded(c, CONCERN_LABELS) for c in subject.concern],
            "district": subject.district,
            "person_name": subject.person_name,
            "person_kana": subject.person_kana,
            "address": subject.address,
            "phone": subject.phone,
            "email": subject.email,
            "known": subject.known,
            "legal_basis": coded(subject.legal_basis, LEGAL_BASIS_LABELS),
            "legal_basis_note": subject.legal_basis_note,
            "closed_at": subject.closed_at.isoformat() if subject.closed_at else None,
            "end_reason": coded(subject.end_reason, END_REASON_LABELS)
            if subject.end_reason
            else None,
            "end_note": subject.end_note,
            "linked_referral_id": subject.linked_referral_id,
            "legal_hold": subject.legal_hold,
        },
        "status_history": [
            {
                "changed_at": c.changed_at.astimezone(TOKYO).isoformat(timespec="minutes"),
                "from": coded(c.from_status, STATUS_LABELS),
                "to": coded(c.to_status, STATUS_LABELS),
                "changed_by_id": c.changed_by_id,
                "reason": c.reason,
            }
            for c in subject.status_changes
        ],
        "contacts": [
            {
                "kind": coded(c.kind, CONTACT_KIND_LABELS),
                "planned_on": c.planned_on.isoformat() if c.planned_on else None,
                "done_on": c.done_on.isoformat() if c.done_on else None,
                "staff_id": c.staff_id,
                "result": coded(c.result, CONTACT_RESULT_LABELS) if c.result else None,
                "note": c.note,
                "next_step": c.next_step,
                "next_on": c.next_on.isoformat() if c.next_on else None,
            }
            for c in contacts
        ],
    }


@dataclass(frozen=True)
class Export:
    body: bytes
    filename: str
    mimetype: str = "application/json"


def export_subject(
    session: Session, subject: OutreachSubject, *, actor: Actor, reason: str
) -> Export:
    """The whole record as JSON; refused (`RecordsError`) without a reason. Audited, the reason
    kept encrypted in `outreach_export` and only pointed at by the trail."""
    reason = _reason(reason, subject, "書き出す理由を入力してください。")
    body = json.dumps(subject_record(session, subject), ensure_ascii=False, indent=2)
    logged = OutreachExport(record_id=subject.id, exported_by_id=actor.id, reason=reason)
    session.add(logged)
    session.flush()
    record_event(session, "outreach.export", subject.id, actor, f"outreach_export {logged.id}")
    return Export(body.encode("utf-8"), f"{subject.subject_number}.json")


# ---- legal hold, retention, anonymisation -----------------------------------------------------


def set_legal_hold(
    session: Session, subject: OutreachSubject, hold: bool, *, actor: Actor, reason: str
) -> bool:
    """Put the subject on legal hold (or release it); False if it already was. Audited."""
    reason = _reason(reason, subject, "法的保全を変更する理由を入力してください。")
    if hold and subject.anonymised_at is not None:
        raise RecordsError(f"{subject.subject_number} はすでに匿名化されているため保全できません。")
    if subject.legal_hold == hold:
        return False
    subject.legal_hold = hold
    session.flush()
    action = "outreach.legal_hold" if hold else "outreach.legal_hold.release"
    record_event(session, action, subject.id, actor, reason)
    return True


def anonymise_subject(
    session: Session, subject: OutreachSubject, *, actor: Actor, reason: str
) -> None:
    """Clear everything personal on the subject and its rows; refused on legal hold."""
    if subject.legal_hold:
        raise RecordsError(f"{subject.subject_number} は法的保全中のため匿名化できません。")
    if subject.anonymised_at is not None:
        raise RecordsError(f"{subject.subject_number} はすでに匿名化されています。")
    session.flush()
    for model in (OutreachSubject, OutreachContact, OutreachStatusChange):
        table = model.__table__
        values: dict[str, Any] = {
            c.name: None for c in table.columns if isinstance(c.type, EncryptedString)
        }
        if model is OutreachSubject:
            for name, value in (values | PLAIN_RESETS).items():
                setattr(subject, name, value)
            subject.anonymised_at = utcnow()
            session.flush()  # bumps the version: a form opened before is refused
        else:
            session.execute(update(table).where(table.c.subject_id == subject.id).values(values))
    session.execute(
        delete(OutreachMatch).where(
            or_(
                OutreachMatch.subject_id == subject.id, OutreachMatch.other_subject_id == subject.id
            )
        )
    )
    session.expire_all()
    record_event(session, "outreach.anonymise", subject.id, actor, reason)


@dataclass(frozen=True)
class DueSubject:
    subject_id: int
    subject_number: str
    closed_on: date
    purge_on: date
    legal_hold: bool


def due_subjects(session: Session, *, today: date, years: int) -> list[DueSubject]:
    """Closed subjects past their retention and not yet anonymised (held ones marked)."""
    if years < 1:
        raise RecordsError("保存年限（retention_years）は1年以上にしてください。")
    rows = session.execute(
        select(OutreachSubject.id, OutreachSubject.subject_number, OutreachSubject.closed_at,
               OutreachSubject.legal_hold)
        .where(
            OutreachSubject.status.in_(CLOSED_STATUSES),
            OutreachSubject.closed_at.is_not(None),
            OutreachSubject.closed_at < closure_cutoff(today, years),
            OutreachSubject.anonymised_at.is_(None),
        )
        .order_by(OutreachSubject.closed_at, OutreachSubject.id)
    ).all()  # fmt: skip
    due = []
    for row in rows:
        closed_on = row.closed_at.astimezone(TOKYO).date()
        due.append(DueSubject(row.id, row.subject_number, closed_on,
                              purge_date(closed_on, years), row.legal_hold))  # fmt: skip
    return due


def purge(session: Session, *, today: date, years: int, actor: Actor) -> list[DueSubject]:
    """Anonymise every subject past its retention and not on legal hold; returns those done."""
    done = []
    for due in due_subjects(session, today=today, years=years):
        if due.legal_hold:
            continue
        subject = session.get(OutreachSubject, due.subject_id)
        if subject is None:  # pragma: no cover - deleted since the query above
            continue
        reason = f"retention {years}y: closed {due.closed_on}, due {due.purge_on}"
        anonymise_subject(session, subject, actor=actor, reason=reason)
        done.append(due)
    return done


def find_subject(session: Session, number: str) -> OutreachSubject | None:
    return session.scalar(
        select(OutreachSubject).where(OutreachSubject.subject_number == number.strip())
    )
