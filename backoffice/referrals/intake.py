"""A new referral from the NPO: the person, the intake, and the consent without which there is
no handoff. Everything is checked before anything is stored; a refused intake stores nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from backoffice.referrals.duplicates import check_contacts, contact_indexes
from backoffice.referrals.fields import CONSENTED_FIELDS, CONTACTS, PART_FIELDS, PERSONAL_TEXT
from backoffice.referrals.models import (
    AGE_BANDS,
    CONSENT_METHODS,
    CONTACT_METHODS,
    GENDERS,
    RISK_LEVELS,
    SOURCE_CHANNELS,
    Consent,
    Referral,
)
from backoffice.referrals.person_checks import SHORT_LIMIT, TEXT_LIMIT, contact_problems, too_long
from backoffice.referrals.sharing import shared_parts, sharing_problems, withdrawn_problems
from backoffice.referrals.trail import record_case_event
from backoffice.referrals.workflow import next_case_number
from backoffice.staff.actor import Actor
from core.db import utcnow
from core.problems import ProblemsError
from core.timezone import TOKYO
from directory.topics import TOPIC_BY_SLUG


class IntakeError(ProblemsError):
    pass


@dataclass
class Intake:
    """What the liaison enters; text fields stripped, choices as codes."""

    source_channel: str
    received_at: datetime
    risk_level: str
    urgent: bool = False
    problem_categories: list[str] = field(default_factory=list)
    wants: str = ""
    summary: str = ""
    assessment: str = ""
    person_name: str = ""
    person_kana: str = ""
    pseudonym: bool = False
    age_band: str = "not_stated"
    gender: str = "not_stated"
    district: str = ""
    phone: str = ""
    line_name: str = ""
    email: str = ""
    preferred_method: str = "not_stated"
    preferred_times: str = ""
    callback_may_identify: bool = False
    # The consent record.
    consent_given: bool = False
    consented_by: str = "self"
    consented_at: datetime | None = None
    consent_method: str = ""
    share_basic: bool = True
    share_summary: bool = False
    share_assessment: bool = False
    agencies: list[str] = field(default_factory=list)
    consent_wording: str = ""


def validate_intake(intake: Intake, *, districts: tuple[str, ...]) -> dict[str, str]:
    """Problems by field, each a Japanese sentence; empty when the intake may be stored."""
    problems = person_problems(intake, districts=districts, parts=shared_parts(intake))
    if intake.source_channel not in SOURCE_CHANNELS:
        problems["source_channel"] = "相談の経路を一覧から選んでください。"
    if intake.received_at > utcnow():
        problems["received_at"] = "受付日時に未来の日時は入力できません。"
    problems.update(_consent_problems(intake))
    return problems


def validate_person(
    values: dict[str, Any], *, districts: tuple[str, ...], parts: frozenset[str]
) -> dict[str, str]:
    """The checks of the person and intake fields alone, for editing a case whose consent
    covers ``parts``."""
    known = {k: v for k, v in values.items() if k in Intake.__dataclass_fields__}
    intake = Intake(source_channel="other", received_at=utcnow(), **known)
    return person_problems(intake, districts=districts, parts=parts)


def person_problems(
    intake: Intake, *, districts: tuple[str, ...], parts: frozenset[str] = frozenset(PART_FIELDS)
) -> dict[str, str]:
    """The person's and the intake's problems; a part outside ``parts`` must stay empty (the
    consent does not let the city store it) and is then not required either."""
    problems: dict[str, str] = {}

    def choose(name: str, value: str, allowed: tuple[str, ...], label: str) -> None:
        if value not in allowed:
            problems[name] = f"{label}を一覧から選んでください。"

    choose("risk_level", intake.risk_level, RISK_LEVELS, "リスクの程度")
    choose("age_band", intake.age_band, AGE_BANDS, "年代")
    choose("gender", intake.gender, GENDERS, "性別")
    choose("preferred_method", intake.preferred_method, CONTACT_METHODS, "希望する連絡方法")
    if intake.district and intake.district not in districts:
        problems["district"] = "地区を一覧から選んでください。"
    unknown = [c for c in intake.problem_categories if c not in TOPIC_BY_SLUG]
    if unknown or not intake.problem_categories:
        problems["problem_categories"] = "相談の内容（分野）を1つ以上選んでください。"
    problems.update(too_long(intake, ("wants", "summary", "assessment"), TEXT_LIMIT))
    if not intake.summary and "share_summary" in parts:
        problems["summary"] = "相談の概要を入力してください。"
    names = ("person_name", "person_kana", "line_name", "preferred_times")
    problems.update(too_long(intake, names, SHORT_LIMIT))
    problems.update(contact_problems(intake.phone, intake.email))
    if not (intake.phone or intake.line_name or intake.email) and "share_basic" in parts:
        problems["phone"] = (
            "連絡先（電話、LINEの名前、メールのいずれか）を1つ以上入力してください。"
        )
    values = {name: getattr(intake, name) for name in CONSENTED_FIELDS}
    problems.update(sharing_problems(values, parts))  # said last: it explains the others
    return problems


def _consent_problems(intake: Intake) -> dict[str, str]:
    """No consent, no handoff: every part of the consent record is required."""
    problems: dict[str, str] = {}
    if not intake.consent_given:
        problems["consent_given"] = (
            "本人の同意がないと、市に引き継ぐことはできません。同意を得たうえで登録してください。"
        )
    if intake.consented_by not in ("self", "guardian"):
        problems["consented_by"] = "同意した人を選んでください。"
    if intake.consented_at is None:
        problems["consented_at"] = "同意を得た日時を入力してください。"
    elif intake.consented_at > utcnow():
        problems["consented_at"] = "同意を得た日時に未来の日時は入力できません。"
    if intake.consent_method not in CONSENT_METHODS:
        problems["consent_method"] = "同意を得た方法を選んでください。"
    if not (intake.share_basic or intake.share_summary or intake.share_assessment):
        problems["share_basic"] = "共有してよい情報を1つ以上選んでください。"
    if not intake.consent_wording.strip():
        problems["consent_wording"] = "本人に示した同意の文言を入力してください。"
    elif len(intake.consent_wording) > 2000:
        problems["consent_wording"] = "同意の文言は2000文字以内で入力してください。"
    if len(intake.agencies) > 20 or any(len(a) > SHORT_LIMIT for a in intake.agencies):
        problems["agencies"] = "関係機関は20件まで、1件200文字以内で入力してください。"
    return problems


def create_referral(
    session: Session,
    intake: Intake,
    *,
    creator: Actor,
    districts: tuple[str, ...],
) -> Referral:
    """Store a referral with its consent, or raise `IntakeError` having stored nothing."""
    problems = validate_intake(intake, districts=districts)
    if problems:
        raise IntakeError(problems)
    referral = Referral(
        case_number=next_case_number(session, _tokyo_year(intake.received_at)),
        received_at=intake.received_at,
        source_channel=intake.source_channel,
        created_by_id=creator.id,
        risk_level=intake.risk_level,
        urgent=intake.urgent,
        problem_categories=list(dict.fromkeys(intake.problem_categories)),
        age_band=intake.age_band,
        gender=intake.gender,
        district=intake.district,
        pseudonym=intake.pseudonym,
        preferred_method=intake.preferred_method,
        callback_may_identify=intake.callback_may_identify,
        **{name: getattr(intake, name) or None for name in PERSONAL_TEXT},
        **contact_indexes(intake.phone, intake.email, intake.line_name),
    )
    referral.consent = Consent(
        consented_by=intake.consented_by,
        consented_at=intake.consented_at,
        method=intake.consent_method,
        share_basic=intake.share_basic,
        share_summary=intake.share_summary,
        share_assessment=intake.share_assessment,
        share_with_municipality=True,
        agencies=[a.strip() for a in intake.agencies if a.strip()],
        wording=intake.consent_wording.strip(),
    )
    session.add(referral)
    session.flush()
    record_case_event(session, "referral.create", referral.id, creator)
    check_contacts(session, referral, actor=creator)  # told to no one here
    return referral


def update_person(
    session: Session, referral: Referral, values: dict[str, Any], *, actor: Actor
) -> list[str]:
    """Apply checked edits of the person and intake; returns the names of changed fields.

    A value the consent does not cover is refused here too (`IntakeError`, nothing changed),
    whatever page sent it: the consent binds every way into the record."""
    problems = sharing_problems(values, shared_parts(referral.consent))
    if referral.consent.withdrawn:  # withdrawal stops further sharing: nothing new comes in
        problems |= withdrawn_problems(referral, values)
    if problems:
        raise IntakeError(problems)
    changed = []
    for name, value in values.items():
        new = value.strip() if isinstance(value, str) else value
        if name in PERSONAL_TEXT:
            new = new or None
        if new != getattr(referral, name):
            setattr(referral, name, new)
            changed.append(name)
    if changed:
        indexes = contact_indexes(
            referral.phone or "", referral.email or "", referral.line_name or ""
        )
        for column, value in indexes.items():
            setattr(referral, column, value)
        session.flush()
        reason = ",".join(changed)[:500]
        record_case_event(session, "referral.update", referral.id, actor, reason=reason)
        if CONTACTS & set(changed):
            check_contacts(session, referral, actor=actor)
    return changed


def _tokyo_year(moment: datetime) -> int:
    return moment.astimezone(TOKYO).year


def as_intake(values: dict[str, Any]) -> Intake:
    """An `Intake` from form data already converted to Python values."""
    known = Intake.__dataclass_fields__
    return Intake(**{k: v for k, v in values.items() if k in known})
