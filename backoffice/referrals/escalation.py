"""Deadlines on cases, and the cases that missed them: what a supervisor must look at.

- An urgent referral must be contacted within ``urgent_contact_hours`` of its receipt.
- Any referral must be acknowledged by the next business day, at the same time of day: a
  handoff on Friday at 18:00 is due on Monday at 18:00. Business days follow the Japanese
  calendar in Tokyo time: no Saturdays, Sundays, public holidays, or the year-end closure of
  public offices (12/29–1/3), the same calendar the directory's opening hours use.
- A task not done by its due time is overdue.

Only open cases are escalated: an ended or unreachable case has nobody left to call. A task
stays overdue until someone marks it done, whatever the case's status. Everything here reads;
nothing changes a record. ``now`` is always passed in, so the rules hold at any date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, load_only

from backoffice.referrals.casework import Task
from backoffice.referrals.models import Referral
from backoffice.referrals.workflow import OPEN
from core.timezone import TOKYO
from directory.hours import in_year_end, is_public_holiday

ONE_DAY = timedelta(days=1)
LIST_LIMIT = 20


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and not is_public_holiday(day) and not in_year_end(day)


def next_business_day(moment: datetime) -> datetime:
    """The same Tokyo wall-clock time on the first business day after ``moment``'s date."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("deadlines need a timezone-aware instant")
    local = moment.astimezone(TOKYO)
    day = local.date() + ONE_DAY
    while not is_business_day(day):
        day += ONE_DAY
    return datetime.combine(day, local.timetz())


def acknowledge_by(received_at: datetime) -> datetime:
    return next_business_day(received_at)


def contact_by(received_at: datetime, hours: int) -> datetime:
    return received_at + timedelta(hours=hours)


@dataclass(frozen=True)
class Deadline:
    """A case waiting for something, when it is due, and whether that time has passed."""

    referral: Referral
    due_at: datetime
    overdue: bool


# Lists show these only: nothing personal is loaded, so nothing is decrypted for them.
LISTED = (Referral.id, Referral.case_number, Referral.received_at, Referral.status,
          Referral.urgent, Referral.assigned_to_id, Referral.version)  # fmt: skip
# Written into the SQL, not bound: only then can a planner see that the partial indexes on
# open cases apply (see `Referral.__table_args__`).
IS_OPEN = Referral.status.in_(
    bindparam("open_statuses", list(OPEN), expanding=True, literal_execute=True)
)
WAITING_CONTACT = (Referral.urgent.is_(True), Referral.first_contact_at.is_(None), IS_OPEN)
WAITING_ACKNOWLEDGEMENT = (Referral.acknowledged_at.is_(None), IS_OPEN)


def _waiting(conditions: tuple, limit: int | None) -> Select[tuple[Referral]]:
    statement = (
        select(Referral)
        .where(*conditions)
        .options(load_only(*LISTED))
        .order_by(Referral.received_at, Referral.id)
    )
    return statement.limit(limit) if limit is not None else statement


def awaiting_contact(
    session: Session, now: datetime, *, hours: int, limit: int | None = None
) -> list[Deadline]:
    """Open urgent cases nobody has contacted yet, the longest waiting first."""
    deadlines = []
    for referral in session.scalars(_waiting(WAITING_CONTACT, limit)):
        due = contact_by(referral.received_at, hours)
        deadlines.append(Deadline(referral, due, due <= now))
    return deadlines


def awaiting_acknowledgement(
    session: Session, now: datetime, *, limit: int | None = None
) -> list[Deadline]:
    """Open cases the municipality has not acknowledged yet, the longest waiting first."""
    deadlines = []
    for referral in session.scalars(_waiting(WAITING_ACKNOWLEDGEMENT, limit)):
        due = acknowledge_by(referral.received_at)
        deadlines.append(Deadline(referral, due, due <= now))
    return deadlines


def urgent_not_contacted(session: Session, now: datetime, *, hours: int) -> list[Deadline]:
    """Urgent cases past their contact deadline."""
    return [d for d in awaiting_contact(session, now, hours=hours) if d.overdue]


def unacknowledged(session: Session, now: datetime) -> list[Deadline]:
    """Cases not acknowledged within one business day."""
    return [d for d in awaiting_acknowledgement(session, now) if d.overdue]


@dataclass(frozen=True)
class OverdueTask:
    task: Task
    case_number: str


def overdue_tasks(
    session: Session, now: datetime, *, assignee_id: int | None = None, limit: int | None = None
) -> list[OverdueTask]:
    """Tasks not done by their due time, the oldest first; one person's when ``assignee_id``."""
    statement = (
        _overdue(now, assignee_id)
        .join(Referral, Referral.id == Task.referral_id)
        .add_columns(Referral.case_number)
        .order_by(Task.due_at, Task.id)
        .limit(limit)
    )
    return [OverdueTask(task, number) for task, number in session.execute(statement)]


def count_overdue_tasks(session: Session, now: datetime, *, assignee_id: int | None = None) -> int:
    statement = _overdue(now, assignee_id).with_only_columns(func.count(Task.id))
    return session.scalar(statement) or 0


def _overdue(now: datetime, assignee_id: int | None) -> Select[tuple[Task]]:
    statement = select(Task).where(Task.done_at.is_(None), Task.due_at < now)
    if assignee_id is not None:
        statement = statement.where(Task.assignee_id == assignee_id)
    return statement


@dataclass(frozen=True)
class Capped:
    """The first few items of a list and how many there are in all."""

    items: Sequence[object]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.items)


def capped(items: Sequence[object], limit: int = LIST_LIMIT) -> Capped:
    return Capped(items[:limit], len(items))


@dataclass(frozen=True)
class Worklist:
    """The dashboard of one member of the dedicated staff."""

    my_cases: Capped
    unacknowledged: Capped
    my_overdue_tasks: Capped
    urgent_without_contact: Capped


def my_open_cases(session: Session, user_id: int, *, limit: int = LIST_LIMIT) -> Capped:
    condition = (Referral.assigned_to_id == user_id) & IS_OPEN
    total = session.scalar(select(func.count(Referral.id)).where(condition)) or 0
    statement = (
        select(Referral)
        .where(condition)
        .options(load_only(*LISTED))
        .order_by(Referral.received_at, Referral.id)
    )
    return Capped(list(session.scalars(statement.limit(limit))), total)


def worklist(session: Session, user_id: int, now: datetime, *, hours: int) -> Worklist:
    tasks = overdue_tasks(session, now, assignee_id=user_id, limit=LIST_LIMIT)
    return Worklist(
        my_cases=my_open_cases(session, user_id),
        unacknowledged=Capped(
            awaiting_acknowledgement(session, now, limit=LIST_LIMIT),
            _count(session, WAITING_ACKNOWLEDGEMENT),
        ),
        my_overdue_tasks=Capped(tasks, count_overdue_tasks(session, now, assignee_id=user_id)),
        urgent_without_contact=Capped(
            awaiting_contact(session, now, hours=hours, limit=LIST_LIMIT),
            _count(session, WAITING_CONTACT),
        ),
    )


def _count(session: Session, conditions: tuple) -> int:
    return session.scalar(select(func.count(Referral.id)).where(*conditions)) or 0
