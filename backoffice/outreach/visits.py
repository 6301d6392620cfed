"""Visits and other contacts with a subject, the cards handed out, and the planned visits that
were not made in time.

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

from backoffice.outreach.models import (
    CLOSED_STATUSES,
    CONTACT_KINDS,
    CONTACT_RESULTS,
    HANDOUT_KINDS,
    CardHandout,
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
from cards.models import CardBatch
from cards.stats import batch_total, shows_figures
from core import audit
from core.timezone import tokyo_today

ONE_DAY = timedelta(days=1)
LIST_LIMIT = 20
HANDOUT_LIMIT = 100_000  # more than any batch holds: a typing slip


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
    problems |= _cards_problems(session, values.batch_id, values.cards, values.done_on)
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
    _hand_out_at(session, contact, values, actor)
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
    problems |= _cards_problems(session, values.batch_id, values.cards, values.done_on)
    if problems:
        raise OutreachError(problems)
    contact.done_on, contact.result = values.done_on, values.result
    contact.staff_id = values.staff_id or contact.staff_id or actor.id
    contact.note = values.note.strip() or None
    contact.next_step = values.next_step.strip() or None
    contact.next_on = values.next_on
    session.flush()
    _follow(session, subject, contact, actor)
    _hand_out_at(session, contact, values, actor)
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


# ---- cards handed out -------------------------------------------------------------------------


def _cards_problems(
    session: Session, batch_id: int | None, count: int, done_on: date | None
) -> dict[str, str]:
    if not batch_id and not count:
        return {}
    if not batch_id or session.get(CardBatch, batch_id) is None:
        return {"batch_id": "配ったカードの束を一覧から選んでください。"}
    if count < 1 or count > HANDOUT_LIMIT:
        return {"cards": "配った枚数を1以上の数で入力してください。"}
    if done_on is None:
        return {"cards": "カードを配った記録は、実施した日とあわせて入力してください。"}
    return {}


def _hand_out_at(
    session: Session, contact: OutreachContact, values: ContactInput, actor: Actor
) -> None:
    if values.batch_id and values.cards and contact.done_on is not None:
        session.add(
            CardHandout(
                batch_id=values.batch_id, kind="visit" if contact.kind == "home_visit" else "event",
                count=values.cards, handed_on=contact.done_on, contact_id=contact.id,
                recorded_by_id=actor.id,
            )
        )  # fmt: skip
        session.flush()


def record_handout(
    session: Session,
    *,
    batch_id: int | None,
    kind: str,
    count: int | None,
    handed_on: date | None,
    actor: Actor,
) -> CardHandout:
    """Cards handed out on their own (an event, the counter, a partner agency). Audited."""
    problems: dict[str, str] = {}
    if kind not in HANDOUT_KINDS:
        problems["kind"] = "配った場を一覧から選んでください。"
    if not batch_id or session.get(CardBatch, batch_id) is None:
        problems["batch_id"] = "配ったカードの束を一覧から選んでください。"
    if count is None or not 1 <= count <= HANDOUT_LIMIT:
        problems["count"] = "配った枚数を1以上の数で入力してください。"
    if handed_on is None:
        problems["handed_on"] = "配った日を入力してください。"
    elif handed_on > tokyo_today():
        problems["handed_on"] = "配った日に未来の日付は入力できません。"
    if problems or batch_id is None or count is None or handed_on is None:
        raise OutreachError(problems)
    handout = CardHandout(
        batch_id=batch_id, kind=kind, count=count, handed_on=handed_on, recorded_by_id=actor.id
    )
    session.add(handout)
    session.flush()
    audit_reason = f"batch {batch_id}: {count} ({kind})"
    audit.record(
        session, action="outreach.handout", actor=actor, object_type="card_batch",
        object_id=batch_id, client_network=actor.network, reason=audit_reason,
    )  # fmt: skip
    return handout


@dataclass(frozen=True)
class BatchOutreach:
    """A batch's cards: printed, handed out (by kind) and scanned; None where the batch is too
    small to show figures (`cards.stats.shows_figures`)."""

    printed: int
    handed_out: int
    by_kind: dict[str, int]
    scans: int


def batch_outreach(
    session: Session, batch: CardBatch, *, minimum_batch: int
) -> BatchOutreach | None:
    """Per batch only, never per person; nothing below the minimum batch size."""
    if not shows_figures(batch, minimum_batch):
        return None
    rows = session.execute(
        select(CardHandout.kind, func.sum(CardHandout.count))
        .where(CardHandout.batch_id == batch.id)
        .group_by(CardHandout.kind)
    ).all()
    by_kind = {kind: int(total or 0) for kind, total in rows}
    return BatchOutreach(
        printed=batch.quantity,
        handed_out=sum(by_kind.values()),
        by_kind={k: by_kind[k] for k in HANDOUT_KINDS if k in by_kind},
        scans=batch_total(session, batch.id),
    )


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
