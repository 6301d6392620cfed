"""Case lists: search by case number, status, staff, district, risk, dates and the next due date,
a page at a time; "my work" is the open cases one holds, registered or was added to.

Only plain columns are filtered (encrypted ones cannot be), every filter uses an index, and the
actor's scope is part of the query, so a liaison's list never holds another's case.

A case's next due date is the earliest of what it still waits for: its acknowledgement (by the
next business day), its first contact when urgent (within the configured hours) and its tasks
not yet done. The first two follow the business calendar, which SQL cannot read, so a list
sorted or filtered by due date reads the few plain columns of the cases that wait for something
(open ones, or ones with a task not done) and orders them here; the cases waiting for nothing
follow, newest first, read a page at a time by the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Subquery, and_, exists, func, or_, select
from sqlalchemy.orm import Session, load_only

from backoffice.referrals.casework import Task
from backoffice.referrals.escalation import IS_OPEN, LISTED, acknowledge_by, contact_by
from backoffice.referrals.models import RISK_LEVELS, STATUSES, Referral, ReferralMember
from backoffice.referrals.scopes import sees_all_cases, visible_to
from backoffice.referrals.workflow import OPEN
from backoffice.staff.actor import Actor
from core.pagination import Page, paginate
from core.timezone import TOKYO

PER_PAGE = 50
SORTS = ("received", "due")  # newest received first; soonest next due first
DUE_WINDOWS = ("overdue", "today", "week")  # past due; due by the end of today; within 7 days
DUE_KINDS = ("acknowledge", "contact", "task")
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
    mine: bool = False  # open cases the actor holds, registered or was added to
    due: str = ""  # one of DUE_WINDOWS, or any
    sort: str = "received"  # one of SORTS


@dataclass(frozen=True)
class Due:
    """What a case waits for next and by when."""

    at: datetime
    kind: str  # one of DUE_KINDS
    overdue: bool


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
        dues = _dues_of(session, listed.items, now, hours) if sees_all_cases(actor) else {}
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
    """The cases ``actor`` holds, registered or was added to."""
    member = exists().where(
        ReferralMember.referral_id == Referral.id, ReferralMember.staff_user_id == actor.id
    )
    return or_(Referral.assigned_to_id == actor.id, Referral.created_by_id == actor.id, member)


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


def _open_tasks() -> Subquery:
    return (
        select(Task.referral_id, func.min(Task.due_at).label("due"))
        .where(Task.done_at.is_(None))
        .group_by(Task.referral_id)
        .subquery()
    )


def _dues_of(
    session: Session, referrals: list[Referral], now: datetime, hours: int
) -> dict[int, Due]:
    """The next due date of each case on one page."""
    ids = [r.id for r in referrals]
    if not ids:
        return {}
    task_due = dict(
        session.execute(
            select(Task.referral_id, func.min(Task.due_at))
            .where(Task.referral_id.in_(ids), Task.done_at.is_(None))
            .group_by(Task.referral_id)
        ).all()
    )
    dues = {}
    for referral in referrals:
        due = next_due(
            received_at=referral.received_at,
            urgent=referral.urgent,
            is_open=referral.status in OPEN,
            acknowledged=referral.acknowledged_at is not None,
            contacted=referral.first_contact_at is not None,
            task_due=task_due.get(referral.id),
            now=now,
            hours=hours,
        )
        if due is not None:
            dues[referral.id] = due
    return dues


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
    tasks = _open_tasks()
    waits = or_(
        and_(IS_OPEN, Referral.acknowledged_at.is_(None)),
        and_(IS_OPEN, Referral.urgent.is_(True), Referral.first_contact_at.is_(None)),
        tasks.c.due.is_not(None),
    )
    rows = session.execute(
        select(
            Referral.id,
            Referral.received_at,
            Referral.urgent,
            Referral.status,
            Referral.acknowledged_at.is_not(None).label("acknowledged"),
            Referral.first_contact_at.is_not(None).label("contacted"),
            tasks.c.due,
        )
        .outerjoin(tasks, tasks.c.referral_id == Referral.id)
        .where(*conditions, waits)
    ).all()
    limit = _window_end(found.due, now)
    due_cases = []
    for row in rows:
        due = next_due(
            received_at=row.received_at,
            urgent=row.urgent,
            is_open=row.status in OPEN,
            acknowledged=bool(row.acknowledged),
            contacted=bool(row.contacted),
            task_due=row.due,
            now=now,
            hours=hours,
        )
        if due is not None and (limit is None or due.at < limit):
            due_cases.append((due, row))
    if found.sort == "due":
        due_cases.sort(key=lambda pair: (pair[0].at, pair[1].id))
    else:
        due_cases.sort(key=lambda pair: (pair[1].received_at, pair[1].id), reverse=True)
    # Without a due filter, the cases waiting for nothing follow, newest first.
    rest_total = 0
    rest = select(Referral.id).outerjoin(tasks, tasks.c.referral_id == Referral.id)
    rest = rest.where(*conditions, ~waits)
    if not found.due:
        rest_total = session.scalar(select(func.count()).select_from(rest.subquery())) or 0
    total = len(due_cases) + rest_total
    last = max(1, -(-total // per_page))
    number = min(max(page, 1), last)
    start = (number - 1) * per_page
    chosen = due_cases[start : start + per_page]
    ids = [row.id for _, row in chosen]
    dues = {row.id: due for due, row in chosen}
    if len(chosen) < per_page and rest_total:
        offset = max(0, start - len(due_cases))
        ids += session.scalars(
            rest.order_by(Referral.received_at.desc(), Referral.id.desc())
            .offset(offset)
            .limit(per_page - len(chosen))
        ).all()
    loaded = {
        r.id: r
        for r in session.scalars(
            select(Referral).where(Referral.id.in_(ids)).options(load_only(*SHOWN))
        )
    } if ids else {}  # fmt: skip
    items = [ListedCase(loaded[i], dues.get(i)) for i in ids]
    return Page(items, total, number, per_page)


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
