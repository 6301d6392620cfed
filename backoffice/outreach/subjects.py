"""Outreach subjects: who sees them (audited), storing one (checked first, nothing stored on a
refusal), the contact matches told to coordinators only, and the status history.

`outreach.read` reads subjects, `outreach.edit` changes them: the municipality's dedicated staff
and their supervisors. NPO liaisons and analysts hold neither, so a subject is "not found" for
them, never "forbidden". Every read of a subject is an audit event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from backoffice.outreach.models import (
    AGENCY_KINDS,
    CLOSED_STATUSES,
    END_REASONS,
    LEGAL_BASES,
    OPEN_STATUSES,
    OutreachMatch,
    OutreachStatusChange,
    OutreachSubject,
    SubjectCounter,
)
from backoffice.outreach.vocabulary import STATUS_LABELS
from backoffice.referrals.duplicates import contact_indexes
from backoffice.referrals.models import Referral
from backoffice.referrals.person_checks import SHORT_LIMIT, TEXT_LIMIT, contact_problems, too_long
from backoffice.referrals.scopes import visible_to as referrals_visible_to
from backoffice.referrals.workflow import ConflictError, check_version
from backoffice.staff.actor import Actor
from core import audit
from core.crypto import blind_index
from core.db import utcnow
from core.problems import ProblemsError
from core.timezone import tokyo_today
from directory.topics import TOPIC_BY_SLUG

__all__ = ["ConflictError", "check_version"]

PERSONAL = ("agency_name", "passed_on_by", "person_name", "person_kana", "address", "phone",
            "email", "known", "legal_basis_note")  # fmt: skip
TRANSITIONS: dict[str, frozenset[str]] = {
    "received": frozenset({"visit_planned", "ended"}),
    "visit_planned": frozenset({"visited", "ended"}),
    "visited": frozenset({"visit_planned", "watching", "connected", "ended"}),
    "watching": frozenset({"visit_planned", "visited", "connected", "ended"}),
    "connected": frozenset({"watching"}),  # reopen
    "ended": frozenset({"watching"}),  # reopen
}


class OutreachError(ProblemsError):
    """Values refused, by field; nothing was stored."""


class AnonymisedSubjectError(ProblemsError):
    def __init__(self, number: str) -> None:
        super().__init__({"subject": f"{number} は匿名化されているため、変更できません。"})


# ---- who sees what ----------------------------------------------------------------------------


def reads_subjects(actor: Actor) -> bool:
    return actor.may("outreach.read")


def edits_subjects(actor: Actor) -> bool:
    return actor.may("outreach.edit")


def record_event(
    session: Session, action: str, subject_id: int | None, actor: Actor, reason: str | None = None
) -> None:
    audit.record(
        session,
        action=action,
        actor=actor,
        object_type="outreach_subject",
        object_id=subject_id,
        client_network=actor.network,
        reason=reason,
    )


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


# ---- storing a subject ------------------------------------------------------------------------


@dataclass
class SubjectInput:
    """What staff enter; text stripped, choices as codes."""

    received_on: date | None
    agency_kind: str
    legal_basis: str
    agency_organization_id: str = ""
    agency_name: str = ""
    passed_on_by: str = ""
    concern: list[str] = field(default_factory=list)
    district: str = ""
    person_name: str = ""
    person_kana: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    known: str = ""
    legal_basis_note: str = ""


def validate(values: SubjectInput, *, districts: tuple[str, ...], organizations: set[str]) -> dict:
    problems: dict[str, str] = {}
    if values.received_on is None:
        problems["received_on"] = "情報提供を受けた日を入力してください。"
    elif values.received_on > tokyo_today():
        problems["received_on"] = "情報提供を受けた日に未来の日付は入力できません。"
    if values.agency_kind not in AGENCY_KINDS:
        problems["agency_kind"] = "情報提供元の種類を一覧から選んでください。"
    if values.agency_organization_id and values.agency_organization_id not in organizations:
        problems["agency_organization_id"] = "情報提供元の機関を一覧から選んでください。"
    if not values.agency_organization_id and not values.agency_name:
        problems["agency_name"] = "情報提供元の機関を一覧から選ぶか、機関名を入力してください。"
    if values.legal_basis not in LEGAL_BASES:
        problems["legal_basis"] = "同意なく情報を保有する根拠を一覧から選んでください。"
    elif values.legal_basis == "other" and not values.legal_basis_note:
        problems["legal_basis_note"] = "「その他」を選んだときは、根拠を記入してください。"
    if not values.concern or any(c not in TOPIC_BY_SLUG for c in values.concern):
        problems["concern"] = "心配なこと（分野）を1つ以上選んでください。"
    if values.district and values.district not in districts:
        problems["district"] = "地区を一覧から選んでください。"
    names = ("agency_name", "passed_on_by", "person_name", "person_kana", "address")
    problems.update(too_long(values, names, SHORT_LIMIT))
    problems.update(too_long(values, ("known", "legal_basis_note"), TEXT_LIMIT))
    problems.update(contact_problems(values.phone, values.email))
    if not values.known:
        problems["known"] = "分かっていること（情報提供の内容）を入力してください。"
    return problems


def _indexes(subject: OutreachSubject) -> None:
    found = contact_indexes(subject.phone or "", subject.email or "", "")
    subject.phone_index, subject.email_index = found["phone_index"], found["email_index"]
    try:
        name = subject.person_name or ""
        subject.name_index = blind_index(name, "outreach-name") if name.strip() else None
    except ValueError:
        subject.name_index = None


def _apply(subject: OutreachSubject, values: SubjectInput) -> list[str]:
    changed = []
    plain = {
        "received_on": values.received_on,
        "agency_kind": values.agency_kind,
        "legal_basis": values.legal_basis,
        "agency_organization_id": values.agency_organization_id or None,
        "concern": list(dict.fromkeys(values.concern)),
        "district": values.district,
    }
    for name, value in plain.items():
        if getattr(subject, name) != value:
            setattr(subject, name, value)
            changed.append(name)
    for name in PERSONAL:
        value = getattr(values, name).strip() or None
        if name == "legal_basis_note" and values.legal_basis != "other":
            value = None
        if getattr(subject, name) != value:
            setattr(subject, name, value)
            changed.append(name)
    _indexes(subject)
    return changed


def create_subject(
    session: Session,
    values: SubjectInput,
    *,
    actor: Actor,
    districts: tuple[str, ...],
    organizations: set[str],
) -> OutreachSubject:
    """Store a subject, or raise `OutreachError` having stored nothing. Audited."""
    problems = validate(values, districts=districts, organizations=organizations)
    if problems or values.received_on is None:
        raise OutreachError(problems)
    subject = OutreachSubject(
        subject_number=next_number(session, values.received_on.year),
        status="received",
        created_by_id=actor.id,
    )
    _apply(subject, values)
    session.add(subject)
    session.flush()
    record_event(session, "outreach.create", subject.id, actor)
    check_matches(session, subject, actor=actor)
    return subject


def update_subject(
    session: Session,
    subject: OutreachSubject,
    values: SubjectInput,
    *,
    actor: Actor,
    expected_version: int | None,
    districts: tuple[str, ...],
    organizations: set[str],
) -> list[str]:
    """Apply checked edits; returns the names of changed fields (audited, never the values)."""
    check_version(subject, expected_version)
    refuse_if_anonymised(subject)
    problems = validate(values, districts=districts, organizations=organizations)
    if problems:
        raise OutreachError(problems)
    changed = _apply(subject, values)
    if changed:
        session.flush()
        record_event(session, "outreach.update", subject.id, actor, reason=",".join(changed))
        if {"phone", "email", "person_name"} & set(changed):
            check_matches(session, subject, actor=actor)
    return changed


def next_number(session: Session, year: int) -> str:
    """P-YYYY-NNNN, numbered per year in one atomic statement."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(SubjectCounter).values(year=year, last=1)
    statement = statement.on_conflict_do_update(
        index_elements=[SubjectCounter.year], set_={"last": SubjectCounter.last + 1}
    )
    session.execute(statement)
    number = session.scalar(select(SubjectCounter.last).where(SubjectCounter.year == year))
    return f"P-{year}-{number:04d}"


# ---- matches ----------------------------------------------------------------------------------


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


# ---- status history ---------------------------------------------------------------------------


class TransitionError(ProblemsError):
    pass


def allowed_next(status: str) -> list[str]:
    return [s for s in STATUS_LABELS if s in TRANSITIONS.get(status, frozenset())]


def change_status(
    session: Session,
    subject: OutreachSubject,
    to: str,
    *,
    actor: Actor,
    expected_version: int | None,
    reason: str = "",
    end_reason: str = "",
) -> OutreachStatusChange:
    """Move the subject to ``to``; `TransitionError` or `ConflictError` leave it unchanged.
    Ending (終了) needs a reason; つなぎ完了 and 終了 close the record (retention runs from then).
    """
    check_version(subject, expected_version)
    refuse_if_anonymised(subject)
    if to not in STATUS_LABELS:
        raise TransitionError({"status": "変更後の状態を一覧から選んでください。"})
    if to not in TRANSITIONS.get(subject.status, frozenset()):
        raise TransitionError(
            {
                "status": f"「{STATUS_LABELS[subject.status]}」から"
                f"「{STATUS_LABELS[to]}」には変更できません。"
            }
        )
    if to == "ended" and end_reason not in END_REASONS:
        raise TransitionError({"end_reason": "終了の理由を選んでください。"})
    if len(reason) > TEXT_LIMIT:
        raise TransitionError({"reason": f"{TEXT_LIMIT}文字以内で入力してください。"})
    return _move(session, subject, to, actor=actor, reason=reason, end_reason=end_reason)


def _move(
    session: Session,
    subject: OutreachSubject,
    to: str,
    *,
    actor: Actor,
    reason: str = "",
    end_reason: str = "",
) -> OutreachStatusChange:
    """The change itself, after the checks (also used by the steps that move it on their own)."""
    now = utcnow()
    change = OutreachStatusChange(
        from_status=subject.status,
        to_status=to,
        changed_at=now,
        changed_by_id=actor.id,
        end_reason=end_reason if to == "ended" else "",
        reason=reason.strip() or None,
    )
    subject.status_changes.append(change)
    previous, subject.status = subject.status, to
    if to in CLOSED_STATUSES:
        subject.closed_at = now
        subject.end_reason = end_reason if to == "ended" else ""
    elif to in OPEN_STATUSES:
        subject.closed_at, subject.end_reason = None, ""
    session.flush()
    record_event(session, "outreach.status", subject.id, actor, f"{previous}->{to}")
    return change
