"""Loading the services of a result page: what a result card and its opening state show."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload, load_only, selectinload

from directory.models import Organization, Service

# The card (public_site/templates/public/_service.html) and `directory.hours.service_status`.
# Other attributes load when first read, a query each: fine for one service, not for a list.
CARD_COLUMNS = (
    Service.name,
    Service.status,
    Service.needs_check,
    Service.audience,
    Service.contact_note,
    Service.hours_note,
    Service.cost,
    Service.cost_note,
    Service.anonymous,
    Service.source_url,
    Service.source_date,
    Service.closed_on_holidays,
    Service.closed_over_year_end,
    Service.organization_id,
)


# Built once: its options cost more to build than the query takes to run.
# Status is checked in Python, not in SQL: given both, SQLite may walk the status index
# (nearly every row) instead of looking the ids up.
_CARDS = (
    select(Service)
    .where(Service.id.in_(bindparam("ids", expanding=True)))
    .options(
        load_only(*CARD_COLUMNS),
        joinedload(Service.organization).load_only(Organization.name),
        joinedload(Service.channels),
        selectinload(Service.schedules),  # every listing shows its state now
    )
)


def load_services(session: Session, ids: list[str]) -> list[Service]:
    """The services of ``ids``, in that order, published only, in two queries."""
    if not ids:
        return []
    found = session.scalars(_CARDS, {"ids": ids}).unique()
    by_id = {service.id: service for service in found if service.status == "published"}
    return [by_id[i] for i in ids if i in by_id]
