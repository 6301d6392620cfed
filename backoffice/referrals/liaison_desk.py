"""The NPO liaison's side of つなぎ支援 at a glance: their cases still in support with status and
dates, the follow-ups due (the date set when support ended) and what the city shared with them
(notes, and the minutes of support meetings of their cases or that they took part in).

Only the liaison's own cases are read (`scopes.visible_to`: created by them or added to). The
lists hold case numbers, statuses, dates and staff names: no personal field and no note's text
is loaded, so nothing is decrypted and no case is read here (the case page does, and audits it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, load_only

from backoffice.referrals.casework import ProgressNote
from backoffice.referrals.escalation import IS_OPEN, Capped
from backoffice.referrals.minutes import shared_minutes_for
from backoffice.referrals.models import FollowUp, Referral
from backoffice.referrals.scopes import visible_to
from backoffice.staff.actor import Actor
from core.timezone import in_tokyo

LIMIT = 20
SHARED_LIMIT = 10
SHOWN = (Referral.id, Referral.case_number, Referral.status, Referral.received_at,
         Referral.acknowledged_at, Referral.first_contact_at, Referral.ended_at,
         Referral.follow_up_due_on)  # fmt: skip

NOTE_SHOWN = (ProgressNote.id, ProgressNote.referral_id, Referral.case_number,
              ProgressNote.written_at, ProgressNote.author_id)  # fmt: skip


@dataclass(frozen=True)
class FollowUpDue:
    referral: Referral
    due_on: date
    overdue: bool  # the day has come (in Tokyo)


@dataclass(frozen=True)
class SharedNote:
    """A note the city marked as shared: where and when, not what (the case page shows it)."""

    note_id: int
    referral_id: int
    case_number: str
    written_at: datetime
    author_id: int | None


@dataclass(frozen=True)
class LiaisonDesk:
    cases: Capped  # still in support, newest first
    follow_ups: Capped  # support ended, no follow-up recorded since, soonest due first
    shared_notes: Capped  # newest first
    shared_minutes: Capped  # support meetings' minutes, the latest meetings first


def desk(session: Session, actor: Actor, now: datetime) -> LiaisonDesk:
    return LiaisonDesk(
        cases=open_cases(session, actor),
        follow_ups=(
            follow_ups_due(session, actor, now)
            if actor.may("referral.follow_up")
            else Capped([], 0)
        ),
        shared_notes=shared_notes(session, actor),
        shared_minutes=Capped(*shared_minutes_for(session, actor, limit=SHARED_LIMIT)),
    )


def open_cases(session: Session, actor: Actor, *, limit: int = LIMIT) -> Capped:
    condition = (visible_to(actor), IS_OPEN)
    total = session.scalar(select(func.count(Referral.id)).where(*condition)) or 0
    statement = (
        select(Referral)
        .where(*condition)
        .options(load_only(*SHOWN))
        .order_by(Referral.received_at.desc(), Referral.id.desc())
        .limit(limit)
    )
    return Capped(list(session.scalars(statement)), total)


def follow_ups_due(session: Session, actor: Actor, now: datetime, *, limit: int = LIMIT) -> Capped:
    """Ended cases with a follow-up date and no follow-up recorded since support ended."""
    recorded = exists().where(
        FollowUp.referral_id == Referral.id, FollowUp.recorded_at >= Referral.ended_at
    )
    condition = (
        visible_to(actor),
        Referral.status == "ended",
        Referral.follow_up_due_on.is_not(None),
        ~recorded,
    )
    total = session.scalar(select(func.count(Referral.id)).where(*condition)) or 0
    statement = (
        select(Referral)
        .where(*condition)
        .options(load_only(*SHOWN))
        .order_by(Referral.follow_up_due_on, Referral.id)
        .limit(limit)
    )
    today = in_tokyo(now).date()
    items = [
        FollowUpDue(r, r.follow_up_due_on, r.follow_up_due_on <= today)  # type: ignore[arg-type]
        for r in session.scalars(statement)
    ]
    return Capped(items, total)


def shared_notes(session: Session, actor: Actor, *, limit: int = SHARED_LIMIT) -> Capped:
    condition = (ProgressNote.shared_with_liaison.is_(True), visible_to(actor))
    joined = select(func.count(ProgressNote.id)).join(
        Referral, Referral.id == ProgressNote.referral_id
    )
    total = session.scalar(joined.where(*condition)) or 0
    rows = session.execute(
        select(*NOTE_SHOWN)
        .join(Referral, Referral.id == ProgressNote.referral_id)
        .where(*condition)
        .order_by(ProgressNote.written_at.desc(), ProgressNote.id.desc())
        .limit(limit)
    )
    return Capped([SharedNote(*row) for row in rows], total)
