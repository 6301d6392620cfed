"""What a case record holds, section by section: each field's label and how its value is shown
(a label table beside the code, a time, a date, a member of staff)."""

from __future__ import annotations

from typing import Any

from backoffice.referrals.casework import (
    ContactAttempt,
    EmergencyAction,
    ProgressNote,
    ReferralLink,
    SupportMeeting,
    Task,
)
from backoffice.referrals.models import FollowUp, ReferralMember, StatusChange
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

TIME, DATE, STAFF = "time", "date", "staff"

Spec = tuple[tuple[str, str, Any], ...]  # (attribute, label, how to show the value)
CASE: Spec = (
    ("case_number", "案件番号", None), ("status", "状態", STATUS_LABELS),
    ("received_at", "受付日時", TIME), ("source_channel", "相談の経路", SOURCE_LABELS),
    ("created_by_id", "登録した職員", STAFF), ("assigned_to_id", "担当者", STAFF),
    ("assigned_at", "担当者を決めた日時", TIME), ("acknowledged_at", "受け取り確認の日時", TIME),
    ("acknowledged_by_id", "受け取りを確認した職員", STAFF),
    ("first_contact_at", "初回連絡の日時", TIME),
    ("ended_at", "支援終了の日時", TIME), ("end_reason", "終了の理由", END_REASONS),
    ("end_note", "支援終了のメモ", None), ("closing_summary", "支援終了時のまとめ", None),
    ("follow_up_due_on", "フォローアップ期日", DATE),
    ("legal_hold", "法的保全（匿名化の停止）", None),
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
    ("summary", "相談の概要", None), ("assessment", "つなぎ支援員の見立て", None),
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
NOTE: Spec = (
    ("written_at", "日時", TIME), ("author_id", "記録した職員", STAFF), ("body", "内容", None),
    ("shared_with_liaison", "つなぎ支援員と共有", None),
)  # fmt: skip
CONTACT: Spec = (
    ("attempted_at", "日時", TIME), ("by_id", "連絡した職員", STAFF),
    ("method", "方法", METHOD_LABELS), ("result", "結果", CONTACT_LABELS), ("note", "メモ", None),
)  # fmt: skip
EMERGENCY: Spec = (("acted_at", "日時", TIME), ("by_id", "対応した職員", STAFF),
                   ("kind", "対応", EMERGENCY_LABELS), ("outcome", "結果", None))  # fmt: skip
MEETING: Spec = (
    ("held_on", "開催日", DATE), ("agencies", "参加機関", None), ("agenda", "議題", None),
    ("decisions", "決定事項", None), ("next_meeting_on", "次回の予定", DATE),
    ("recorded_by_id", "記録した職員", STAFF), ("shared_with_liaison", "つなぎ支援員と共有", None),
)  # fmt: skip
LINK: Spec = (
    ("linked_on", "つないだ日", DATE), ("service_id", "支援機関一覧のサービス", "service"),
    ("agency_name", "機関名", None), ("status", "状態", LINK_STATUS_LABELS),
    ("outcome", "結果", None), ("recorded_by_id", "記録した職員", STAFF),
)  # fmt: skip
TASK: Spec = (
    ("title", "内容", None), ("due_at", "期限", TIME), ("assignee_id", "担当者", STAFF),
    ("done_at", "完了した日時", TIME), ("created_by_id", "作成した職員", STAFF),
)  # fmt: skip
FOLLOW_UP: Spec = (("held_on", "実施日", DATE), ("result", "結果", None),
                   ("recorded_by_id", "記録した職員", STAFF))  # fmt: skip
# The rows of a case, section by section: key, title, model, spec, the column to order by.
LISTS: tuple[tuple[str, str, Any, Spec, str], ...] = (
    ("members", "追加された職員", ReferralMember, MEMBER, "added_at"),
    ("status_history", "状態の履歴", StatusChange, STATUS_CHANGE, "changed_at"),
    ("note", "経過記録", ProgressNote, NOTE, "written_at"),
    ("contact", "連絡", ContactAttempt, CONTACT, "attempted_at"),
    ("emergency", "緊急対応", EmergencyAction, EMERGENCY, "acted_at"),
    ("support_meetings", "支援会議", SupportMeeting, MEETING, "held_on"),
    ("links", "つなぎ先", ReferralLink, LINK, "linked_on"),
    ("tasks", "タスク", Task, TASK, "due_at"),
    ("follow_ups", "フォローアップ", FollowUp, FOLLOW_UP, "held_on"),
)
# These three make one section, "timeline", in time order, each entry saying its kind.
TIMELINE = {"note": "経過記録", "contact": "連絡", "emergency": "緊急対応"}
