"""Read-only queries the public pages use. Only published services are ever returned."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory.models import (
    AREAS,
    TOPIC_TAXONOMY,
    Language,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)
from directory.search.loading import load_services
from directory.search.summaries import ServiceSummary
from directory.taxonomy import topic_terms


def _published():
    return (
        select(Service)
        .where(Service.status == "published")
        .options(
            selectinload(Service.channels),
            selectinload(Service.organization),
            selectinload(Service.schedules),
        )
        .order_by(Service.sort_order, Service.name)
    )


def home_channels(session: Session) -> dict[str, list[Service]]:
    """Published services featured on the home page, by group ("sns", "phone")."""
    groups: dict[str, list[Service]] = defaultdict(list)
    for service in session.scalars(_published().where(Service.home_group.is_not(None))):
        groups[service.home_group or ""].append(service)
    return dict(groups)


def crisis_lines(session: Session) -> list[ServiceSummary]:
    """The published crisis lines (`Service.is_crisis_line`), in the staff's order, as the
    summaries search keeps for them: two small queries and no ORM objects, on every public page.
    """
    ids = session.scalars(
        select(Service.id)
        .where(Service.is_crisis_line.is_(True), Service.status == "published")
        .order_by(Service.sort_order, Service.name)
    ).all()
    return load_services(session, list(ids))


def services_by_area(session: Session) -> list[tuple[str, list[Service]]]:
    """Every published service, local first: municipality, prefecture, national."""
    by_area: dict[str, list[Service]] = defaultdict(list)
    for service in session.scalars(_published()):
        by_area[service.area].append(service)
    return [(area, by_area[area]) for area in AREAS if by_area[area]]


def published_service(session: Session, service_id: str) -> Service | None:
    """One published service with everything its page shows, or None."""
    if len(service_id) > 36:
        return None
    return session.scalar(
        select(Service)
        .where(Service.id == service_id, Service.status == "published")
        .options(
            selectinload(Service.channels),
            selectinload(Service.organization),
            selectinload(Service.schedules),
            selectinload(Service.topics),
            selectinload(Service.languages),
            selectinload(Service.service_areas),
            selectinload(Service.service_at_locations).selectinload(ServiceAtLocation.location),
        )
    )


def consultation_languages(session: Session) -> list[str]:
    """The codes of the languages other than Japanese that some published service offers."""
    statement = (
        select(Language.code)
        .join(Service, Service.id == Language.service_id)
        .where(Service.status == "published", Language.code != "ja")
        .distinct()
        .order_by(Language.code)
    )
    return list(session.scalars(statement))


def topics(session: Session) -> list[TaxonomyTerm]:
    return topic_terms(session)


def topic_by_code(session: Session, code: str) -> TaxonomyTerm | None:
    if len(code) > 64:
        return None
    ours = TaxonomyTerm.taxonomy == TOPIC_TAXONOMY
    return session.scalar(select(TaxonomyTerm).where(TaxonomyTerm.code == code, ours))
