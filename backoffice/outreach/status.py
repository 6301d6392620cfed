"""An outreach subject's status and its history: which status may follow which, ending with a
reason, reopening, and the change itself (also made by the steps that move a subject on their
own: planning or recording a home visit, becoming a referral).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from backoffice.outreach.models import (
    CLOSED_STATUSES,
    END_REASONS,
    OPEN_STATUSES,
    OutreachStatusChange,
    OutreachSubject,
)
from backoffice.outreach.scopes import refuse_if_anonymised
from backoffice.outreach.trail import record_event
from backoffice.outreach.vocabulary import STATUS_LABELS
from backoffice.referrals.person_checks import TEXT_LIMIT
from backoffice.referrals.workflow import check_version
from backoffice.staff.actor import Actor
from core.db import utcnow
from core.problems import ProblemsError

TRANSITIONS: dict[str, frozenset[str]] = {
    "received": frozenset({"visit_planned", "ended"}),
    "visit_planned": frozenset({"visited", "ended"}),
    "visited": frozenset({"visit_planned", "watching", "connected", "ended"}),
    "watching": frozenset({"visit_planned", "visited", "connected", "ended"}),
    "connected": frozenset({"watching"}),  # reopen
    "ended": frozenset({"watching"}),  # reopen
}


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
    return move_status(session, subject, to, actor=actor, reason=reason, end_reason=end_reason)


def move_status(
    session: Session,
    subject: OutreachSubject,
    to: str,
    *,
    actor: Actor,
    reason: str = "",
    end_reason: str = "",
) -> OutreachStatusChange:
    """The change itself, after the checks (also used by the steps that move a subject on their
    own: a home visit planned or recorded, a referral made)."""
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
