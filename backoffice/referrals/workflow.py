"""The status workflow of a case, enforced here and nowhere else; stale saves are refused.

受付 → 初回連絡 → 支援調整中 → 支援中 → 支援終了 → フォローアップ完了, with 連絡不能 (unreachable)
from any open status, and reopening an ended or unreachable case. Each change keeps who, when
and why, and writes an audit event.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from backoffice.referrals.models import OPEN_STATUSES, CaseCounter, Referral, StatusChange
from backoffice.referrals.tasks import complete_task, tasks_of
from backoffice.referrals.trail import record_case_event
from backoffice.referrals.vocabulary import END_REASONS, OPEN_TASK_CHOICES, STATUS_LABELS
from backoffice.staff.actor import Actor
from core.db import utcnow
from core.timezone import TOKYO, in_tokyo

OPEN = OPEN_STATUSES
# When the NPO's follow-up falls due unless staff choose another day at the end of support.
FOLLOW_UP_AFTER = timedelta(days=30)
SUMMARY_LIMIT = 2000
TRANSITIONS: dict[str, frozenset[str]] = {
    "received": frozenset({"first_contact", "unreachable"}),
    "first_contact": frozenset({"arranging", "supporting", "ended", "unreachable"}),
    "arranging": frozenset({"supporting", "ended", "unreachable"}),
    "supporting": frozenset({"arranging", "ended", "unreachable"}),
    "ended": frozenset({"followed_up", "supporting"}),  # reopen: support again
    "followed_up": frozenset({"supporting"}),  # reopen
    "unreachable": frozenset({"first_contact", "ended"}),  # reached after all, or closed
}


class TransitionError(ValueError):
    """A status change the workflow does not allow; the case is unchanged."""


class OpenTasksError(TransitionError):
    """Support cannot end while tasks are open, unless staff say what becomes of them."""


class EndingError(TransitionError):
    """What the end of support records is refused as it stands (``field`` names which part)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class ConflictError(RuntimeError):
    """The record changed since the form was opened; nothing was saved."""

    def __init__(self, current: Any) -> None:
        super().__init__("the record was changed by someone else")
        self.current = current


def check_version(record: Any, expected: int | None) -> None:
    """Refuse a save made on an older version of ``record`` (optimistic locking)."""
    if expected is None or record.version != expected:
        raise ConflictError(record)


def allowed_next(status: str) -> list[str]:
    return [s for s in STATUS_LABELS if s in TRANSITIONS.get(status, frozenset())]


def change_status(
    session: Session,
    referral: Referral,
    to: str,
    *,
    actor: Actor,
    expected_version: int | None,
    reason: str = "",
    end_reason: str = "",
    open_tasks: str = "",
    closing_summary: str = "",
    follow_up_due_on: date | None = None,
) -> StatusChange:
    """Move the case to ``to``; `TransitionError` or `ConflictError` leave it unchanged.

    Ending support records why (``end_reason``, required), what help was arranged
    (``closing_summary``) and when the follow-up falls due (``follow_up_due_on``, by default
    `FOLLOW_UP_AFTER` from today in Tokyo). With tasks still open it needs ``open_tasks``:
    "close" marks them all done, "carry" leaves them open as the follow-up's (they stay on their
    assignees' lists)."""
    check_version(referral, expected_version)
    if to not in STATUS_LABELS:  # a code typed into the address: never show it back
        raise TransitionError("変更後の状態を一覧から選んでください。")
    if to not in TRANSITIONS.get(referral.status, frozenset()):
        raise TransitionError(
            f"「{STATUS_LABELS.get(referral.status, referral.status)}」から"
            f"「{STATUS_LABELS.get(to, to)}」には変更できません。"
        )
    if to == "ended" and end_reason not in END_REASONS:
        raise EndingError("end_reason", "終了の理由を選んでください。")
    now = utcnow()
    if to == "ended":
        _check_ending(closing_summary, follow_up_due_on, in_tokyo(now).date())
    still_open = [t for t in tasks_of(session, referral.id) if t.done_at is None]
    if to == "ended" and still_open:
        if open_tasks not in OPEN_TASK_CHOICES:
            raise OpenTasksError(_open_tasks_message(still_open))
        if open_tasks == "close":
            for task in still_open:
                complete_task(session, task, actor=actor, now=now)
        reason = "\n".join(filter(None, [reason.strip(), _tasks_note(open_tasks, still_open)]))
    change = StatusChange(
        from_status=referral.status,
        to_status=to,
        changed_at=now,
        changed_by_id=actor.id,
        reason=reason.strip() or None,
        end_reason=end_reason if to == "ended" else "",
    )
    referral.status_changes.append(change)
    referral.status = to
    if to == "first_contact" and referral.first_contact_at is None:
        referral.first_contact_at = now
    if to == "ended":
        referral.ended_at, referral.end_reason = now, end_reason
        referral.closing_summary = closing_summary.strip() or None
        referral.follow_up_due_on = follow_up_due_on or in_tokyo(now).date() + FOLLOW_UP_AFTER
    elif to == "unreachable":  # closed too: the retention period runs from here
        referral.ended_at, referral.end_reason = now, "unreachable"
    elif to in OPEN:
        referral.ended_at, referral.end_reason = None, ""  # reopened
        referral.follow_up_due_on = None  # set again when support ends again
    session.flush()
    reason = f"{change.from_status}->{to}"
    record_case_event(session, "referral.status", referral.id, actor, reason=reason)
    return change


def _check_ending(summary: str, due: date | None, today: date) -> None:
    if len(summary.strip()) > SUMMARY_LIMIT:
        raise EndingError(
            "closing_summary", f"支援のまとめは{SUMMARY_LIMIT}文字以内で入力してください。"
        )
    if due is not None and due < today:
        raise EndingError("follow_up_due_on", "フォローアップ期日に過去の日付は入力できません。")


def _open_tasks_message(tasks: list[Any]) -> str:
    listed = "、".join(
        f"「{t.title}」（期限 {t.due_at.astimezone(TOKYO):%Y-%m-%d %H:%M}）" for t in tasks
    )
    return (
        f"未完了のタスクが{len(tasks)}件あります：{listed}。"
        "「未完了のタスク」で、すべて完了にするか、フォローアップとして残すかを選んでから、"
        "もう一度変更してください。"
    )


def _tasks_note(choice: str, tasks: list[Any]) -> str:
    """What the status history keeps of the choice."""
    if choice == "close":
        return f"未完了のタスク{len(tasks)}件を完了にして終了しました。"
    return f"未完了のタスク{len(tasks)}件をフォローアップとして残しました。"


def next_case_number(session: Session, year: int) -> str:
    """R-YYYY-NNNN, numbered per year in one atomic statement (no two cases share a number)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(CaseCounter).values(year=year, last=1)
    statement = statement.on_conflict_do_update(
        index_elements=[CaseCounter.year], set_={"last": CaseCounter.last + 1}
    )
    session.execute(statement)
    number = session.scalar(select(CaseCounter.last).where(CaseCounter.year == year))
    return f"R-{year}-{number:04d}"
