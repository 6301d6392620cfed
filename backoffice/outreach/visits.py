"""Visits and other contacts with a subject, and the planned visits that were not made in time
(the cards handed out at a contact are `backoffice.outreach.handouts`).

A contact is planned (a date) and later recorded as done (the day, who, the result, the next
step). Planning a home visit moves a subject just received to 訪問予定; recording one done moves
it to 訪問済 (both kept in the status history). A planned contact not recorded done by the next
business day after its date is escalated, as referral deadlines are: business days follow the
Japanese calendar (no weekends, public holidays or the year-end closure).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from backoffice.outreach.handouts import cards_problems, hand_out_at
from backoffice.outreach.models import (
    CLOSED_STATUSES,
    CONTACT_KINDS,
    CONTACT_RESULTS,
    OutreachContact,
    OutreachSubject,
)
from backoffice.outreach.scopes import refuse_if_anonymised
from backoffice.outreach.status import move_status
from backoffice.outreach.subjects import OutreachError
from backoffice.outreach.trail import record_event
from backoffice.referrals.escalation import Capped, is_business_day
from backoffice.referrals.person_checks import TEXT_LIMIT
from backoffice.staff.actor import Actor
from core.timezone import tokyo_today

ONE_DAY = timedelta(days=1)
LIST_LIMIT = 20


# ---- contacts ---------------------------------------------------------------------------------


def _contact_problems(
    kind: str, planned_on: date | None, done_on: date | None, result: str, texts: dict[str, str]
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if kind not in CONTACT_KINDS:
        problems["kind"] = "方法を一覧から選んでください。"
    if planned_on is None and done_on is None:
        problems["planned_on"] = "予定日か、実施した日を入力してください。"
    if done_on is not None and done_on > tokyo_today():
        problems["done_on"] = "実施した日に未来の日付は入力できません。"
    if done_on is not None and result not in CONTACT_RESULTS:
        problems["result"] = "結果を一覧から選んでください。"
    if done_on is None and result:
        problems["result"] = "結果は実施した日とあわせて記録してください。"
    for name, text in texts.items():
        if len(text) > TEXT_LIMIT:
            problems[name] = f"{TEXT_LIMIT}文字以内で入力してください。"
    return problems


@dataclass
class ContactInput:
    kind: str
    planned_on: date | None = None
    done_on: date | None = None
    staff_id: int | None = None
    result: str = ""
    note: str = ""
    next_step: str = ""
    next_on: date | None = None
    batch_id: int | None = None  # cards handed out at this contact
    cards: int = 0


def add_contact(
    session: Session, subject: OutreachSubject, values: ContactInput, *, actor: Actor
) -> OutreachContact:
    """A contact planned, or done (with its result and any cards handed out). Audited."""
    refuse_if_anonymised(subject)
    problems = _contact_problems(
        values.kind, values.planned_on, values.done_on, values.result,
        {"note": values.note, "next_step": values.next_step},
    )  # fmt: skip
    problems |= cards_problems(session, values.batch_id, values.cards, values.done_on)
    if problems:
        raise OutreachError(problems)
    contact = OutreachContact(
        subject_id=subject.id,
        kind=values.kind,
        planned_on=values.planned_on,
        done_on=values.done_on,
        staff_id=values.staff_id or actor.id,
        result=values.result if values.done_on else "",
        note=values.note.strip() or None,
        next_step=values.next_step.strip() or None,
        next_on=values.next_on,
        recorded_by_id=actor.id,
    )
    subject.contacts.append(contact)
    session.flush()
    _follow(session, subject, contact, actor)
    hand_out_at(session, contact, values.batch_id, values.cards, actor)
    record_event(session, "outreach.contact", subject.id, actor, f"{contact.kind} {contact.id}")
    return contact


def record_done(
    session: Session,
    subject: OutreachSubject,
    contact: OutreachContact,
    values: ContactInput,
    *,
    actor: Actor,
) -> OutreachContact:
    """A planned contact recorded as done: the day, who, the result, the next step, cards."""
    refuse_if_anonymised(subject)
    if contact.done_on is not None:
        raise OutreachError({"done_on": "この連絡はすでに実施済みとして記録されています。"})
    problems = _contact_problems(
        contact.kind, contact.planned_on, values.done_on, values.result,
        {"note": values.note, "next_step": values.next_step},
    )  # fmt: skip
    if values.done_on is None:
        problems["done_on"] = "実施した日を入力してください。"
    problems |= cards_problems(session, values.batch_id, values.cards, values.done_on)
    if problems:
        raise OutreachError(problems)
    contact.done_on, contact.result = values.done_on, values.result
    contact.staff_id = values.staff_id or contact.staff_id or actor.id
    contact.note = values.note.strip() or None
    contact.next_step = values.next_step.strip() or None
    contact.next_on = values.next_on
    session.flush()
    _follow(session, subject, contact, actor)
    hand_out_at(session, contact, values.batch_id, values.cards, actor)
    record_event(
        session, "outreach.contact_done", subject.id, actor, f"{contact.kind} {contact.id}"
    )
    return contact


def _follow(
    session: Session, subject: OutreachSubject, contact: OutreachContact, actor: Actor
) -> None:
    """The status a home visit implies: planned → 訪問予定, done → 訪問済 (history kept)."""
    if contact.kind != "home_visit":
        return
    if contact.done_on is None and subject.status == "received":
        move_status(session, subject, "visit_planned", actor=actor, reason="訪問を予定した")
    elif contact.done_on is not None and subject.status in ("received", "visit_planned"):
        move_status(session, subject, "visited", actor=actor, reason="訪問を記録した")


# ---- planned contacts not made in time --------------------------------------------------------


def next_business_day(day: date) -> date:
    day += ONE_DAY
    while not is_business_day(day):
        day += ONE_DAY
    return day


def overdue_cutoff(today: date) -> date:
    """The latest planned date already overdue on ``today``: a planned contact is due by the
    next business day after its date, and escalated the day after that."""
    day = today - ONE_DAY
    while next_business_day(day) >= today:
        day -= ONE_DAY
    return day


@dataclass(frozen=True)
class OverdueContact:
    contact_id: int
    subject_id: int
    subject_number: str
    kind: str
    planned_on: date
    due_on: date
    staff_id: int | None


def _overdue(today: date) -> Select:
    return (
        select(
            OutreachContact.id,
            OutreachContact.subject_id,
            OutreachSubject.subject_number,
            OutreachContact.kind,
            OutreachContact.planned_on,
            OutreachContact.staff_id,
        )
        .join(OutreachSubject, OutreachSubject.id == OutreachContact.subject_id)
        .where(
            OutreachContact.done_on.is_(None),
            OutreachContact.planned_on.is_not(None),
            OutreachContact.planned_on <= overdue_cutoff(today),
            # The open statuses, said as "not closed": SQLite then starts from the few planned
            # contacts (their partial index) instead of every open subject's contacts.
            OutreachSubject.status.not_in(CLOSED_STATUSES),
        )
    )


def overdue_contacts(session: Session, today: date, *, limit: int = LIST_LIMIT) -> Capped:
    """Planned contacts past their business-day deadline, oldest first, capped; nothing
    personal is read (numbers, dates, staff)."""
    statement = _overdue(today)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.execute(
        statement.order_by(OutreachContact.planned_on, OutreachContact.id).limit(limit)
    )
    items = [
        OverdueContact(
            r.id,
            r.subject_id,
            r.subject_number,
            r.kind,
            r.planned_on,
            next_business_day(r.planned_on),
            r.staff_id,
        )
        for r in rows
    ]
    return Capped(items, total)
