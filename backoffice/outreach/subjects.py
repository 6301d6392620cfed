"""Storing an outreach subject: what staff enter, checked first (nothing is stored on a
refusal), numbered per year, with its contact details indexed for the contact matches.

Who may read and change subjects is `backoffice.outreach.scopes`; the matches are
`backoffice.outreach.matches`, the status and its history `backoffice.outreach.status`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from backoffice.outreach.matches import check_matches
from backoffice.outreach.models import AGENCY_KINDS, LEGAL_BASES, OutreachSubject, SubjectCounter
from backoffice.outreach.scopes import refuse_if_anonymised
from backoffice.outreach.trail import record_event
from backoffice.referrals.duplicates import contact_indexes
from backoffice.referrals.person_checks import SHORT_LIMIT, TEXT_LIMIT, contact_problems, too_long
from backoffice.referrals.workflow import ConflictError, check_version
from backoffice.staff.actor import Actor
from core.crypto import blind_index
from core.problems import ProblemsError
from core.timezone import tokyo_today
from directory.topics import TOPIC_BY_SLUG

__all__ = ["ConflictError", "check_version"]

PERSONAL = ("agency_name", "passed_on_by", "person_name", "person_kana", "address", "phone",
            "email", "known", "legal_basis_note")  # fmt: skip


class OutreachError(ProblemsError):
    """Values refused, by field; nothing was stored."""


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
