"""The list of subjects: numbers, dates, status, agency kind and district; nothing personal is
loaded, so nothing is decrypted for it. Newest first, paged."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.outreach.models import STATUSES, OutreachSubject
from core.pagination import Page, paginate

PER_PAGE = 50
LISTED = (
    OutreachSubject.id,
    OutreachSubject.subject_number,
    OutreachSubject.received_on,
    OutreachSubject.status,
    OutreachSubject.agency_kind,
    OutreachSubject.district,
)


def list_subjects(session: Session, *, status: str = "", district: str = "", page: int = 1) -> Page:
    statement = select(*LISTED)
    if status in STATUSES:
        statement = statement.where(OutreachSubject.status == status)
    if district:
        statement = statement.where(OutreachSubject.district == district)
    statement = statement.order_by(OutreachSubject.received_on.desc(), OutreachSubject.id.desc())
    return paginate(session, statement, page, PER_PAGE)
