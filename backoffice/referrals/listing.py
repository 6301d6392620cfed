"""Case lists: search by case number, status, staff, district, risk and dates, a page at a time.

Only plain columns are filtered (encrypted ones cannot be), every filter uses an index, and the
viewer's scope is part of the query, so a liaison's list never holds another's case.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.referrals.models import RISK_LEVELS, STATUSES, Referral
from backoffice.referrals.scopes import Viewer, visible_to
from core.timezone import TOKYO

PER_PAGE = 50
MAX_PAGE = 10_000


@dataclass(frozen=True)
class CaseFilter:
    case_number: str = ""
    status: str = ""
    assigned_to: int | None = None
    district: str = ""
    risk: str = ""
    received_from: date | None = None
    received_to: date | None = None


@dataclass
class CasePage:
    items: list[Referral]
    total: int
    page: int
    pages: int


def search_cases(
    session: Session, viewer: Viewer, found: CaseFilter, *, page: int = 1, per_page: int = PER_PAGE
) -> CasePage:
    page = min(max(page, 1), MAX_PAGE)
    conditions = [visible_to(viewer), *_conditions(found)]
    total = session.scalar(select(func.count(Referral.id)).where(*conditions)) or 0
    statement = (
        select(Referral)
        .where(*conditions)
        .order_by(Referral.received_at.desc(), Referral.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    items = list(session.scalars(statement))
    return CasePage(items, total, page, max(1, math.ceil(total / per_page)))


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
