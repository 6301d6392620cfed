"""A case's next due date: the earliest of what it still waits for, its acknowledgement (by the
next business day), its first contact when urgent (within the configured hours) and its tasks
not yet done. The first two follow the business calendar (`backoffice.referrals.escalation`),
which SQL cannot read, so they are worked out here from a few plain columns of the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.referrals.casework import Task
from backoffice.referrals.escalation import acknowledge_by, contact_by
from backoffice.referrals.models import Referral
from backoffice.referrals.workflow import OPEN

DUE_KINDS = ("acknowledge", "contact", "task")


@dataclass(frozen=True)
class Due:
    """What a case waits for next and by when."""

    at: datetime
    kind: str  # one of DUE_KINDS
    overdue: bool


def next_due(
    *,
    received_at: datetime,
    urgent: bool,
    is_open: bool,
    acknowledged: bool,
    contacted: bool,
    task_due: datetime | None,
    now: datetime,
    hours: int,
) -> Due | None:
    """The earliest of what a case still waits for, or None when it waits for nothing."""
    candidates = []
    if is_open and not acknowledged:
        candidates.append((acknowledge_by(received_at), "acknowledge"))
    if is_open and urgent and not contacted:
        candidates.append((contact_by(received_at, hours), "contact"))
    if task_due is not None:
        candidates.append((task_due, "task"))
    if not candidates:
        return None
    at, kind = min(candidates, key=lambda candidate: candidate[0])
    return Due(at, kind, at <= now)


def dues_of(
    session: Session, referrals: list[Referral], now: datetime, hours: int
) -> dict[int, Due]:
    """The next due date of each case on one page."""
    task_due = task_dues(session, [r.id for r in referrals])
    dues = {}
    for referral in referrals:
        due = due_of(referral, task_due.get(referral.id), now, hours)
        if due is not None:
            dues[referral.id] = due
    return dues


def due_of(row: Any, task_due: datetime | None, now: datetime, hours: int) -> Due | None:
    """``next_due`` of a case row (a `Referral`, or a row with the same columns)."""
    return next_due(
        received_at=row.received_at,
        urgent=row.urgent,
        is_open=row.status in OPEN,
        acknowledged=row.acknowledged_at is not None,
        contacted=row.first_contact_at is not None,
        task_due=task_due,
        now=now,
        hours=hours,
    )


def task_dues(session: Session, ids: list[int]) -> dict[int, datetime]:
    """The earliest due time of each case's tasks not done, for the cases ``ids``."""
    dues: dict[int, datetime] = {}
    for first in range(0, len(ids), 500):
        rows = session.execute(
            select(Task.referral_id, func.min(Task.due_at))
            .where(Task.referral_id.in_(ids[first : first + 500]), Task.done_at.is_(None))
            .group_by(Task.referral_id)
        )
        dues.update((referral_id, due) for referral_id, due in rows)
    return dues
