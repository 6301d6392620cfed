"""Security notices: a member of staff is told when their password or second factor changes.

Someone who took over a session could otherwise change these unseen. Each change leaves a
notice that is shown once at the owner's next sign-in and stays listed on their account page,
with when it happened and whether an administrator made it, asking them to tell an
administrator if they did not expect it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backoffice.staff.models import StaffNotice
from core.timezone import TOKYO

RECENT = 10
WHAT = {
    "password.change": "パスワードが変更されました",
    "password.reset": "仮のパスワードが発行されました",
    "mfa.enrol": "二段階認証の認証アプリが登録されました",
    "mfa.reset": "二段階認証がリセットされました",
    "recovery_codes.new": "回復コードが作り直されました",
}


def notify(
    session: Session, user_id: int, kind: str, *, by_administrator: bool, now: datetime
) -> None:
    if kind not in WHAT:
        raise ValueError(f"unknown notice kind: {kind!r}")
    session.add(
        StaffNotice(user_id=user_id, kind=kind, by_administrator=by_administrator, created_at=now)
    )


def unshown(session: Session, user_id: int) -> Sequence[StaffNotice]:
    return session.scalars(
        select(StaffNotice)
        .where(StaffNotice.user_id == user_id, StaffNotice.shown_at.is_(None))
        .order_by(StaffNotice.id)
    ).all()


def mark_shown(session: Session, shown: Sequence[StaffNotice], now: datetime) -> list[str]:
    """The texts of notices about to be shown, oldest first; they count as shown from now."""
    if shown:
        session.execute(
            update(StaffNotice)
            .where(StaffNotice.id.in_([n.id for n in shown]), StaffNotice.shown_at.is_(None))
            .values(shown_at=now)
            .execution_options(synchronize_session=False)
        )
    return [text(notice) for notice in shown]


def recent(session: Session, user_id: int) -> Sequence[StaffNotice]:
    return session.scalars(
        select(StaffNotice)
        .where(StaffNotice.user_id == user_id)
        .order_by(StaffNotice.id.desc())
        .limit(RECENT)
    ).all()


def text(notice: StaffNotice) -> str:
    when = notice.created_at.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M")
    who = "（管理者による操作）" if notice.by_administrator else ""
    return (
        f"{WHAT[notice.kind]}（{when}）{who}。心当たりがなければ、すぐに管理者に連絡してください。"
    )
