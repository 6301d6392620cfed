"""Case lists: search by case number, status, staff, district, risk and dates, a page at a time.

Only plain columns are filtered (encrypted ones cannot be), every filter uses an index, and the
actor's scope is part of the query, so a liaison's list never holds another's case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.referrals.models import RISK_LEVELS, STATUSES, Referral
from backoffice.referrals.scopes import visible_to
from backoffice.staff.actor import Actor
from core.pagination import Page, paginate
from core.timezone import TOKYO

PER_PAGE = 50


@dataclass(frozen=True)
class CaseFilter:
    case_number: str = ""
    status: str = ""
    assigned_to: int | None = None
    district: str = ""
    risk: str = ""
    received_from: date | None = None
    received_to: date | None = None


def search_cases(
    session: Session, actor: Actor, found: CaseFilter, *, page: int = 1, per_page: int = PER_PAGE
) -> Page[Referral]:
    """One page of the cases ``actor`` may see that match ``found``, newest first."""
    statement = (
        select(Referral)
        .where(visible_to(actor), *_conditions(found))
        .order_by(Referral.received_at.desc(), Referral.id.desc())
    )
    return paginate(session, statement, page, per_page)


def _conditions(found: CaseFilter) -> list:
    conditions = []
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
    return conditions


def _start_of(day: date) -> datetime:
    """Midnight in Tokyo, the way staff mean a date."""
    return datetime.combine(day, time(), TOKYO)
