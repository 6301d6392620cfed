"""How long a closed case is kept, which cases are due for anonymisation, and legal hold.

A case whose support ended is kept for the profile's ``retention_years``, counted, as Japanese
public records are, from 1 April after the closure (the start of the next fiscal year): a case
closed on 2026-03-31 counts from 2026-04-01, one closed on 2026-04-01 from 2027-04-01, and with
five years they are anonymised on 2031-04-01 and 2032-04-01. Dates are Tokyo dates. A case on
legal hold is never anonymised, however old.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.referrals.models import Referral
from backoffice.referrals.records import (
    PERSONAL_REASON,
    RecordsError,
    anonymise_referral,
    mentions_person,
)
from backoffice.referrals.trail import record_case_event
from backoffice.staff.actor import Actor
from core.timezone import TOKYO

CLOSED = ("ended", "followed_up", "unreachable")  # support ended (with ended_at set)
REASON_LIMIT = 200


@dataclass(frozen=True)
class DueCase:
    referral_id: int
    case_number: str
    closed_on: date  # Tokyo date of ended_at
    purge_on: date  # the first day it may be anonymised
    legal_hold: bool


def fiscal_year(day: date) -> int:
    """The Japanese fiscal year a day falls in, named by the year it starts (April to March)."""
    return day.year if day.month >= 4 else day.year - 1


def retention_start(closed_on: date) -> date:
    """1 April after the closure: the day the retention period starts counting."""
    return date(fiscal_year(closed_on) + 1, 4, 1)


def purge_date(closed_on: date, years: int) -> date:
    return date(fiscal_year(closed_on) + 1 + years, 4, 1)


def closure_cutoff(today: date, years: int) -> datetime:
    """Cases closed before this moment are past their retention on ``today``.

    A case is due when ``purge_date(closed_on) <= today``, that is when it closed before 1 April
    of the fiscal year ``years`` before today's: a bound on ``ended_at`` the database can use.
    """
    return datetime(fiscal_year(today) - years, 4, 1, tzinfo=TOKYO)


def due_cases(session: Session, *, today: date, years: int) -> list[DueCase]:
    """Closed cases past their retention and not yet anonymised, those on legal hold included
    (marked), oldest closure first."""
    if years < 1:
        raise RecordsError("保存年限（retention_years）は1年以上にしてください。")
    rows = session.execute(
        select(Referral.id, Referral.case_number, Referral.ended_at, Referral.legal_hold)
        .where(
            Referral.status.in_(CLOSED),
            Referral.ended_at.is_not(None),
            Referral.ended_at < closure_cutoff(today, years),
            Referral.anonymised_at.is_(None),
        )
        .order_by(Referral.ended_at, Referral.id)
    ).all()
    due = []
    for row in rows:
        closed_on = row.ended_at.astimezone(TOKYO).date()
        due.append(
            DueCase(
                row.id, row.case_number, closed_on, purge_date(closed_on, years), row.legal_hold
            )
        )
    return due


def purge(session: Session, *, today: date, years: int, actor: Actor) -> list[DueCase]:
    """Anonymise every case past its retention and not on legal hold; returns those done."""
    done = []
    for case in due_cases(session, today=today, years=years):
        if case.legal_hold:
            continue
        referral = session.get(Referral, case.referral_id)
        if referral is None:  # pragma: no cover - deleted since the query above
            continue
        reason = f"retention {years}y: closed {case.closed_on}, due {case.purge_on}"
        anonymise_referral(session, referral, actor=actor, reason=reason)
        done.append(case)
    return done


def find_case(session: Session, case_number: str) -> Referral | None:
    return session.scalar(select(Referral).where(Referral.case_number == case_number.strip()))


def set_legal_hold(
    session: Session,
    referral: Referral,
    hold: bool,
    *,
    actor: Actor,
    reason: str,
) -> bool:
    """Put the case on legal hold (or release it); False if it already was. Audited."""
    reason = " ".join(reason.split())
    if not reason:
        raise RecordsError("法的保全を変更する理由を入力してください。")
    if len(reason) > REASON_LIMIT:
        raise RecordsError(f"理由は{REASON_LIMIT}文字以内で入力してください。")
    if mentions_person(reason, referral):
        raise RecordsError(PERSONAL_REASON)
    if hold and referral.anonymised_at is not None:
        raise RecordsError(f"{referral.case_number} はすでに匿名化されているため保全できません。")
    if referral.legal_hold == hold:
        return False
    referral.legal_hold = hold
    session.flush()
    action = "referral.legal_hold" if hold else "referral.legal_hold.release"
    record_case_event(session, action, referral.id, actor, reason=reason)
    return True
