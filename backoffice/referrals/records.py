"""Case records: everything on one referral exported for a disclosure request or a transfer,
and the anonymisation of a case once its retention period is over.

The export is one structure (`case_record`) rendered as JSON or PDF, with Japanese labels and,
for coded values, the code beside the label. Anonymising clears every encrypted column of the case
and of every row that belongs to it, so only the coarse fields statistics count remain.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, delete, or_, select, update
from sqlalchemy.orm import Session

from backoffice.referrals import case_pdf
from backoffice.referrals.casework import (
    ContactAttempt,
    EmergencyAction,
    ProgressNote,
    ReferralLink,
    SupportMeeting,
    Task,
)
from backoffice.referrals.models import (
    ContactMatch,
    FollowUp,
    Referral,
    ReferralExport,
    ReferralMember,
    StatusChange,
)
from backoffice.referrals.trail import record_case_event
from backoffice.referrals.vocabulary import (
    AGE_LABELS,
    CONSENT_METHOD_LABELS,
    CONSENTED_BY_LABELS,
    CONTACT_LABELS,
    EMERGENCY_LABELS,
    END_REASONS,
    GENDER_LABELS,
    LINK_STATUS_LABELS,
    METHOD_LABELS,
    RISK_LABELS,
    SOURCE_LABELS,
    STATUS_LABELS,
    TOPIC_LABELS,
)
from backoffice.staff.actor import Actor
from backoffice.staff.models import StaffUser
from core.crypto import EncryptedString
from core.db import Base, utcnow
from core.timezone import TOKYO
from directory.models import Service
from directory.textnorm import normalize

FORMAT = "tsunagu.referral/1"
FORMATS = {"pdf": "application/pdf", "json": "application/json"}
REASON_LIMIT = 200
TIME, DATE, STAFF = "time", "date", "staff"

Spec = tuple[tuple[str, str, Any], ...]  # (attribute, label, how to show the value)
CASE: Spec = (
    ("case_number", "案件番号", None), ("status", "状況", STATUS_LABELS),
    ("received_at", "受付日時", TIME), ("source_channel", "相談の経路", SOURCE_LABELS),
    ("created_by_id", "登録した職員", STAFF), ("assigned_to_id", "担当職員", STAFF),
    ("assigned_at", "担当を決めた日時", TIME), ("acknowledged_at", "受理した日時", TIME),
    ("acknowledged_by_id", "受理した職員", STAFF), ("first_contact_at", "初回連絡の日時", TIME),
    ("ended_at", "支援終了の日時", TIME), ("end_reason", "支援終了の理由", END_REASONS),
    ("end_note", "支援終了のメモ", None), ("legal_hold", "法的保全（匿名化の停止）", None),
    ("anonymised_at", "匿名化した日時", TIME),
)  # fmt: skip
PERSON: Spec = (
    ("person_name", "氏名", None), ("person_kana", "ふりがな", None),
    ("pseudonym", "仮名", None), ("age_band", "年代", AGE_LABELS),
    ("gender", "性別", GENDER_LABELS),
    ("district", "地区", None), ("phone", "電話番号", None), ("line_name", "LINEの名前", None),
    ("email", "メールアドレス", None), ("preferred_method", "希望する連絡方法", METHOD_LABELS),
    ("preferred_times", "連絡してよい時間帯", None),
    ("callback_may_identify", "折り返しで名乗ってよい", None),
)  # fmt: skip
INTAKE: Spec = (
    ("risk_level", "リスクの程度", RISK_LABELS), ("urgent", "緊急", None),
    ("problem_categories", "相談の内容（分野）", TOPIC_LABELS), ("wants", "本人の希望", None),
    ("summary", "相談の概要", None), ("assessment", "支援員の見立て", None),
)  # fmt: skip
CONSENT: Spec = (
    ("consented_by", "同意した人", CONSENTED_BY_LABELS), ("consented_at", "同意を得た日時", TIME),
    ("method", "同意を得た方法", CONSENT_METHOD_LABELS), ("share_basic", "基本情報の共有", None),
    ("share_summary", "相談の概要の共有", None), ("share_assessment", "見立ての共有", None),
    ("share_with_municipality", "市への提供", None), ("agencies", "共有してよい関係機関", None),
    ("wording", "本人に示した同意の文言", None), ("withdrawn_at", "同意を撤回した日時", TIME),
    ("withdrawn_by_id", "撤回を記録した職員", STAFF),
    ("withdrawal_note", "撤回についてのメモ", None),
)  # fmt: skip
MEMBER: Spec = (("staff_user_id", "職員", STAFF), ("added_at", "追加した日時", TIME))
STATUS_CHANGE: Spec = (
    ("changed_at", "日時", TIME), ("from_status", "変更前", STATUS_LABELS),
    ("to_status", "変更後", STATUS_LABELS), ("changed_by_id", "変更した職員", STAFF),
    ("reason", "理由", None),
)  # fmt: skip
NOTE: Spec = (("written_at", "日時", TIME), ("author_id", "記録した職員", STAFF),
              ("body", "内容", None), ("shared_with_liaison", "支援員と共有", None))  # fmt: skip
CONTACT: Spec = (
    ("attempted_at", "日時", TIME), ("by_id", "連絡した職員", STAFF),
    ("method", "方法", METHOD_LABELS), ("result", "結果", CONTACT_LABELS), ("note", "メモ", None),
)  # fmt: skip
EMERGENCY: Spec = (("acted_at", "日時", TIME), ("by_id", "対応した職員", STAFF),
                   ("kind", "対応", EMERGENCY_LABELS), ("outcome", "結果", None))  # fmt: skip
MEETING: Spec = (
    ("held_on", "開催日", DATE), ("agencies", "参加機関", None), ("agenda", "議題", None),
    ("decisions", "決定事項", None), ("next_meeting_on", "次回の予定", DATE),
    ("recorded_by_id", "記録した職員", STAFF),
)  # fmt: skip
LINK: Spec = (
    ("linked_on", "つないだ日", DATE), ("service_id", "支援機関一覧のサービス", "service"),
    ("agency_name", "機関名", None), ("status", "状況", LINK_STATUS_LABELS),
    ("outcome", "結果", None), ("recorded_by_id", "記録した職員", STAFF),
)  # fmt: skip
TASK: Spec = (
    ("title", "内容", None), ("due_at", "期限", TIME), ("assignee_id", "担当職員", STAFF),
    ("done_at", "完了した日時", TIME), ("created_by_id", "作成した職員", STAFF),
)  # fmt: skip
FOLLOW_UP: Spec = (("held_on", "実施日", DATE), ("result", "結果", None),
                   ("recorded_by_id", "記録した職員", STAFF))  # fmt: skip
# The rows of a case, section by section: key, title, model, spec, the column to order by.
LISTS: tuple[tuple[str, str, Any, Spec, str], ...] = (
    ("members", "追加された職員", ReferralMember, MEMBER, "added_at"),
    ("status_history", "状況の履歴", StatusChange, STATUS_CHANGE, "changed_at"),
    ("note", "経過記録", ProgressNote, NOTE, "written_at"),
    ("contact", "連絡", ContactAttempt, CONTACT, "attempted_at"),
    ("emergency", "緊急対応", EmergencyAction, EMERGENCY, "acted_at"),
    ("support_meetings", "支援会議", SupportMeeting, MEETING, "held_on"),
    ("links", "関係機関へのつなぎ", ReferralLink, LINK, "linked_on"),
    ("tasks", "タスク", Task, TASK, "due_at"),
    ("follow_ups", "フォローアップ", FollowUp, FOLLOW_UP, "held_on"),
)
# These three make one section, "timeline", in time order, each entry saying its kind.
TIMELINE = {"note": "経過記録", "contact": "連絡", "emergency": "緊急対応"}


class RecordsError(ValueError):
    """An export or anonymisation refused, with a sentence to show staff; nothing was done."""


@dataclass(frozen=True)
class Export:
    body: bytes
    filename: str
    mimetype: str


def export_case(
    session: Session, referral: Referral, file_format: str, *, actor: Actor, reason: str,
    font_path: str | None = None,
) -> Export:  # fmt: skip
    """The whole case as a file; refused (`RecordsError`) without a reason. Audited."""
    reason = " ".join(reason.split())
    if not reason:
        raise RecordsError("書き出す理由を入力してください。")
    if len(reason) > REASON_LIMIT:
        raise RecordsError(f"書き出す理由は{REASON_LIMIT}文字以内で入力してください。")
    if file_format not in FORMATS:
        raise RecordsError("書き出す形式を選んでください。")
    if mentions_person(reason, referral):
        raise RecordsError(PERSONAL_REASON)
    record = case_record(session, referral)
    if file_format == "json":
        body = json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8")
    else:
        body = case_pdf.render_case_pdf(record, font_path)
    logged = ReferralExport(
        case_id=referral.id, exported_by_id=actor.id, exported_at=utcnow(),
        file_format=file_format, reason=reason,
    )  # fmt: skip
    session.add(logged)
    session.flush()
    # The reason stays encrypted in its row; the trail only points at it.
    pointer = f"{file_format}: referral_export {logged.id}"
    record_case_event(session, "referral.export", referral.id, actor, reason=pointer)
    return Export(body, f"{referral.case_number}.{file_format}", FORMATS[file_format])


PERSONAL_REASON = (
    "理由に、本人の名前や連絡先を書かないでください（理由は書き出しの記録として長く残ります）。"
    "事例番号で足ります。"
)


def mentions_person(text: str, referral: Referral) -> bool:
    """Whether ``text`` holds the person's name, reading or a contact detail of this case,
    however it is written: both go through the search's normalisation, so katakana and
    hiragana, full and half width, spaces and long-vowel marks all match (ﾀﾝｺﾞ, たんご)."""
    folded = normalize(text)
    terms = (referral.person_name, referral.person_kana, referral.email, referral.line_name)
    if any(term and len(normalize(term)) >= 2 and normalize(term) in folded for term in terms):
        return True
    phone = _digits(referral.phone or "")
    return len(phone) >= 6 and phone in _digits(text)


def _digits(text: str) -> str:
    return "".join(ch for ch in normalize(text) if ch.isdigit())


def case_record(session: Session, referral: Referral) -> dict[str, Any]:
    """Everything on the case, as sections of entries, each entry a list of labelled fields."""
    found = {key: _rows(session, model, referral.id, order) for key, _, model, _, order in LISTS}
    show = _formatter(
        session,
        [(referral, CASE), (referral.consent, CONSENT)]
        + [(row, spec) for key, _, _, spec, _ in LISTS for row in found[key]],
    )
    sections: dict[str, tuple[str, list[list[dict]]]] = {
        "case": ("案件", [show(referral, CASE)]),
        "person": ("本人", [show(referral, PERSON)]),
        "intake": ("受付時の内容", [show(referral, INTAKE)]),
        "consent": ("同意", [show(referral.consent, CONSENT)] if referral.consent else []),
    }
    timeline = sorted(
        (
            (getattr(row, order), key, row, spec)
            for key, _, _, spec, order in LISTS
            if key in TIMELINE
            for row in found[key]
        ),
        key=lambda item: item[0],  # stable: ties keep the order of LISTS, then of ids
    )
    for key, title, _, spec, _ in LISTS:
        if key not in TIMELINE:
            sections[key] = (title, [show(row, spec) for row in found[key]])
        elif "timeline" not in sections:
            entries = [
                [_field("kind", "種類", k, TIMELINE), *show(r, sp)] for _, k, r, sp in timeline
            ]
            sections["timeline"] = ("経過（記録・連絡・緊急対応）", entries)
    return {
        "format": FORMAT,
        "case_number": referral.case_number,
        "exported_at": _time(utcnow()),
        "anonymised": referral.anonymised_at is not None,
        "sections": {key: {"title": t, "entries": e} for key, (t, e) in sections.items()},
    }


def _rows(session: Session, model: Any, referral_id: int, order: str) -> list[Any]:
    statement = select(model).where(model.referral_id == referral_id)
    return list(session.scalars(statement.order_by(getattr(model, order), model.id)))


def _formatter(session: Session, rows: list[tuple[Any, Spec]]) -> Callable[[Any, Spec], list[dict]]:
    """Show rows by their specs, with staff and directory services looked up once, by name."""
    rows = [(row, spec) for row, spec in rows if row is not None]
    staff_ids = {getattr(r, a) for r, spec in rows for a, _, how in spec if how == STAFF}
    staff = _names(session, StaffUser.id, StaffUser.display_name, staff_ids - {None})
    service_ids = {getattr(r, "service_id", None) for r, _ in rows} - {None}
    services = _names(session, Service.id, Service.name, service_ids)

    def show(row: Any, spec: Spec) -> list[dict]:
        fields = []
        for attribute, label, how in spec:
            value = getattr(row, attribute)
            if how == STAFF and value is not None:
                value = staff.get(value, f"職員 {value}")
            elif how == "service" and value is not None:
                value = services.get(value, value)
            fields.append(_field(attribute.removesuffix("_id"), label, value, how))
        return fields

    return show


def _names(session: Session, key: Any, name: Any, ids: set[Any]) -> dict[Any, str]:
    if not ids:
        return {}
    return dict(session.execute(select(key, name).where(key.in_(ids))).all())


def _field(key: str, label: str, value: Any, how: Any) -> dict[str, Any]:
    field: dict[str, Any] = {"key": key, "label": label}
    if isinstance(how, Mapping) and value is not None:
        field["code"] = value
        value = [how.get(v, v) for v in value] if isinstance(value, list) else how.get(value, value)
    elif how == TIME and value is not None:
        value = _time(value)
    elif isinstance(value, date):
        value = value.isoformat()
    field["value"] = value
    return field


def _time(moment: datetime) -> str:
    return moment.astimezone(TOKYO).isoformat(timespec="minutes")


# ---- anonymisation -----------------------------------------------------------------------------

# Plain columns that say something about the person, reset beside the encrypted ones.
PLAIN_RESETS: dict[str, dict[str, Any]] = {
    "referral": {"pseudonym": False, "preferred_method": "not_stated",
                 "callback_may_identify": False, "phone_index": None, "email_index": None,
                 "line_index": None},
    "referral_consent": {"wording": ""},
}  # fmt: skip


def anonymise_referral(session: Session, referral: Referral, *, actor: Actor, reason: str) -> None:
    """Clear everything personal on the case and its rows; refused on legal hold. Audited."""
    if referral.legal_hold:
        raise RecordsError(f"{referral.case_number} は法的保全中のため匿名化できません。")
    if referral.anonymised_at is not None:
        raise RecordsError(f"{referral.case_number} はすでに匿名化されています。")
    session.flush()  # nothing pending may be lost when the case's rows are expired below
    for table in _case_tables():
        values = {c.name: None for c in table.columns if isinstance(c.type, EncryptedString)}
        values |= PLAIN_RESETS.get(table.name, {})
        if table.name == "referral":
            for name, value in values.items():
                setattr(referral, name, value)
            referral.anonymised_at = utcnow()
            session.flush()  # bumps the case's version: a form opened before is refused
            continue
        if "version" in table.c:
            values["version"] = table.c.version + 1
        if values:
            session.execute(update(table).where(table.c.referral_id == referral.id).values(values))
    # Which other case shared its contact details says something about the person too.
    session.execute(
        delete(ContactMatch).where(
            or_(ContactMatch.referral_id == referral.id, ContactMatch.other_id == referral.id)
        )
    )
    session.expire_all()  # loaded rows of the case must not show what the database no longer has
    record_case_event(session, "referral.anonymise", referral.id, actor, reason=reason)


def _case_tables() -> list[Table]:
    """The referral table and every table whose rows belong to one referral."""
    referral_id = Referral.__table__.c.id
    owned = [
        table
        for table in Base.metadata.sorted_tables
        if any(fk.column is referral_id for fk in table.foreign_keys) and "referral_id" in table.c
    ]
    return [Referral.__table__, *owned]  # type: ignore[list-item]
