"""Case lists: search by case number, status, staff, district, risk, dates and the next due date,
a page at a time; "my work" is the open cases one holds (a liaison: registered) or was added to.

Only plain columns are filtered (encrypted ones cannot be), every filter uses an index, and the
actor's scope is part of the query, so a liaison's list never holds another's case.

A case's next due date (`backoffice.referrals.due_dates`) follows the business calendar, which
SQL cannot read, so a list sorted or filtered by due date reads the few plain columns of the
cases that wait for something (open ones, or ones with a task not done) and orders them here;
the cases waiting for nothing follow, newest first, read a page at a time by the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, union
from sqlalchemy.orm import Session, load_only

from backoffice.referrals.casework import Task
from backoffice.referrals.due_dates import Due, due_of, dues_of, task_dues
from backoffice.referrals.escalation import IS_OPEN, LISTED
from backoffice.referrals.models import RISK_LEVELS, STATUSES, Referral, ReferralMember
from backoffice.referrals.scopes import sees_all_cases, visible_to
from backoffice.staff.actor import Actor
from core.pagination import Page, paginate
from core.timezone import TOKYO

PER_PAGE = 50
MAX_READ = PER_PAGE  # cases with tasks read with their count, for a list by due date
SORTS = ("received", "due")  # newest received first; soonest next due first
DUE_WINDOWS = ("overdue", "today", "week")  # past due; due by the end of today; within 7 days
# A list shows these columns only: nothing personal is loaded, so nothing is decrypted for it.
SHOWN = (*LISTED, Referral.risk_level, Referral.district, Referral.acknowledged_at,
         Referral.first_contact_at)  # fmt: skip


@dataclass(frozen=True)
class CaseFilter:
    case_number: str = ""
    status: str = ""
    assigned_to: int | None = None
    district: str = ""
    risk: str = ""
    received_from: date | None = None
    received_to: date | None = None
    mine: bool = False  # open cases the actor holds (a liaison: registered) or was added to
    due: str = ""  # one of DUE_WINDOWS, or any
    sort: str = "received"  # one of SORTS


@dataclass(frozen=True)
class ListedCase:
    referral: Referral
    next_due: Due | None


def search_cases(
    session: Session,
    actor: Actor,
    found: CaseFilter,
    *,
    now: datetime,
    hours: int,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Page[ListedCase]:
    """One page of the cases ``actor`` may see that match ``found``: newest first, or soonest
    due first (``found.sort == "due"``), each with its next due date. Due dates are the
    municipality's work: only staff who see every case may sort or filter by them, and only
    they are told them (``next_due`` is None for anyone else)."""
    conditions = [visible_to(actor), *_conditions(found, actor)]
    by_due = sees_all_cases(actor) and (found.sort == "due" or found.due in DUE_WINDOWS)
    if not by_due:
        statement = (
            select(Referral)
            .where(*conditions)
            .options(load_only(*SHOWN))
            .order_by(Referral.received_at.desc(), Referral.id.desc())
        )
        listed = paginate(session, statement, page, per_page)
        dues = dues_of(session, listed.items, now, hours) if sees_all_cases(actor) else {}
        items = [ListedCase(r, dues.get(r.id)) for r in listed.items]
        return Page(items, listed.total, listed.number, listed.per_page)
    return _by_due(session, conditions, found, now=now, hours=hours, page=page, per_page=per_page)


def _conditions(found: CaseFilter, actor: Actor) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    number = found.case_number.strip().upper()
    if number:
        conditions.append(Referral.case_number.startswith(number, autoescape=True))
    if found.status in STATUSES:
        conditions.append(Referral.status == found.status)
    if found.assigned_to is not None:
        conditions.append(Referral.assigned_to_id == found.assigned_to)
    if found.district:
        conditions.append(Referral.district == found.district)
    if found.risk in RISK_LEVELS:
        conditions.append(Referral.risk_level == found.risk)
    if found.received_from is not None:
        conditions.append(Referral.received_at >= _start_of(found.received_from))
    if found.received_to is not None:
        conditions.append(Referral.received_at < _start_of(found.received_to + timedelta(days=1)))
    if found.mine:
        conditions.extend((IS_OPEN, mine(actor)))
    return conditions


def mine(actor: Actor) -> ColumnElement[bool]:
    """The cases ``actor`` was added to, and those they hold (the municipality's staff) or
    registered (a liaison); each part is found by its own index."""
    added = select(ReferralMember.referral_id).where(ReferralMember.staff_user_id == actor.id)
    own = Referral.assigned_to_id if sees_all_cases(actor) else Referral.created_by_id
    return Referral.id.in_(union(select(Referral.id).where(own == actor.id, IS_OPEN), added))


# A case waiting for its acknowledgement or, when urgent, its first contact: few at any time
# (the partial indexes of open cases find them), and their due times need the business calendar.
WAITING = or_(
    and_(IS_OPEN, Referral.acknowledged_at.is_(None)),
    and_(IS_OPEN, Referral.urgent.is_(True), Referral.first_contact_at.is_(None)),
)
OPEN_TASK = exists().where(Task.referral_id == Referral.id, Task.done_at.is_(None))


def _by_due(
    session: Session,
    conditions: list[ColumnElement[bool]],
    found: CaseFilter,
    *,
    now: datetime,
    hours: int,
    page: int,
    per_page: int,
) -> Page[ListedCase]:
    """The cases waiting for something, ordered by due date (or newest first), then, without a
    due filter, the others newest first.

    The waiting cases come in two parts. Those waiting for acknowledgement or contact are read
    whole and their due times worked out here. Those with tasks not done are ordered by the
    database on their earliest task, and only as many are read as the page needs: a case not
    among the first n by task cannot be among the first n by next due, since each of those n
    is due no later than its task."""
    end = _window_end(found.due, now)
    by_received = found.sort != "due"
    waiting_rows = session.execute(select(*_ROW).where(*conditions, WAITING)).all()
    task_due = task_dues(session, [row.id for row in waiting_rows])
    chosen: dict[int, tuple[Due, Any]] = {}
    for row in waiting_rows:
        due = due_of(row, task_due.get(row.id), now, hours)
        if due is not None and (end is None or due.at < end):
            chosen[row.id] = (due, row)
    tasks = (
        select(Task.referral_id, func.min(Task.due_at).label("due"))
        .where(Task.done_at.is_(None))
        .group_by(Task.referral_id)
        .subquery()
    )
    earliest = tasks.c.due
    with_tasks = (
        select(*_ROW, earliest.label("task_due"))
        .join(tasks, tasks.c.referral_id == Referral.id)
        .where(*conditions)
    )
    if end is not None:
        with_tasks = with_tasks.where(earliest < end)
    if by_received:
        with_tasks = with_tasks.order_by(Referral.received_at.desc(), Referral.id.desc())
    else:
        with_tasks = with_tasks.order_by(earliest, Referral.id)
    # The page is not known before the total, and the total needs this list's count: the count
    # comes with the first rows (one pass over the tasks); a later page reads as many as it needs.
    counted_rows = session.execute(
        with_tasks.add_columns(func.count().over().label("counted")).limit(MAX_READ)
    ).all()
    counted = counted_rows[0].counted if counted_rows else 0
    also_waiting = sum(1 for i in task_due if end is None or task_due[i] < end)
    total_due = len(chosen) + counted - also_waiting
    rest_total = 0
    if end is None:
        everything = session.scalar(select(func.count(Referral.id)).where(*conditions)) or 0
        rest_total = everything - total_due
    total = total_due + rest_total
    number = min(max(page, 1), max(1, -(-total // per_page)))
    start = (number - 1) * per_page
    needed = start + per_page
    rows = counted_rows if needed <= MAX_READ else session.execute(with_tasks.limit(needed)).all()
    for row in rows[:needed]:
        if row.id not in chosen:
            chosen[row.id] = (Due(row.task_due, "task", row.task_due <= now), row)
    if by_received:
        key = lambda pair: (-pair[1].received_at.timestamp(), -pair[1].id)  # noqa: E731
    else:
        key = lambda pair: (pair[0].at, pair[1].id)  # noqa: E731
    listed = sorted(chosen.values(), key=key)[start:needed]
    ids = [row.id for _, row in listed]
    dues = {row.id: due for due, row in listed}
    if len(ids) < per_page and rest_total:
        rest = (
            select(Referral.id)
            .where(*conditions, ~WAITING, ~OPEN_TASK)
            .order_by(Referral.received_at.desc(), Referral.id.desc())
            .offset(max(0, start - total_due))
            .limit(per_page - len(ids))
        )
        ids += session.scalars(rest).all()
    loaded = {}
    if ids:
        statement = select(Referral).where(Referral.id.in_(ids)).options(load_only(*SHOWN))
        loaded = {r.id: r for r in session.scalars(statement)}
    items = [ListedCase(loaded[i], dues.get(i)) for i in ids]
    return Page(items, total, number, per_page)


_ROW = (Referral.id, Referral.received_at, Referral.urgent, Referral.status,
        Referral.acknowledged_at, Referral.first_contact_at)  # fmt: skip


def _window_end(window: str, now: datetime) -> datetime | None:
    """The end (exclusive) of a due-date filter, or None for none."""
    if window == "overdue":
        return now + timedelta(microseconds=1)
    today = now.astimezone(TOKYO).date()
    if window == "today":
        return _start_of(today + timedelta(days=1))
    if window == "week":
        return _start_of(today + timedelta(days=7))
    return None


def _start_of(day: date) -> datetime:
    """Midnight in Tokyo, the way staff mean a date."""
    return datetime.combine(day, time(), TOKYO)
