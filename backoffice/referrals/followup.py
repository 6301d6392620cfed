"""The NPO's follow-up after support ended: when it was, and what became of the person."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from backoffice.referrals.models import FollowUp, Referral
from backoffice.referrals.trail import record_case_event
from backoffice.staff.actor import Actor
from core.db import utcnow
from core.problems import ProblemsError
from core.timezone import in_tokyo

NOTE_LIMIT = 2000


class FollowUpError(ProblemsError):
    """A follow-up refused as it stands; nothing was stored."""


def record_follow_up(
    session: Session, referral: Referral, *, held_on: date, result: str, actor: Actor,
    now: datetime | None = None,
) -> FollowUp:  # fmt: skip
    """The liaison's follow-up, once support has ended."""
    problems = {}
    if referral.status not in ("ended", "followed_up"):
        problems["result"] = "フォローアップは、支援終了のあとに記録できます。"
    # Today in Japan: in UTC it is still yesterday until 9:00, and today's date would be "future".
    if held_on > in_tokyo(now or utcnow()).date():
        problems["held_on"] = "未来の日付は入力できません。"
    if not result.strip():
        problems["result"] = "フォローアップの結果を入力してください。"
    elif len(result) > NOTE_LIMIT:
        problems["result"] = f"{NOTE_LIMIT}文字以内で入力してください。"
    if problems:
        raise FollowUpError(problems)
    follow_up = FollowUp(
        referral_id=referral.id, held_on=held_on, result=result.strip(),
        recorded_by_id=actor.id,
    )  # fmt: skip
    session.add(follow_up)
    session.flush()
    record_case_event(session, "referral.follow_up", referral.id, actor)
    return follow_up
