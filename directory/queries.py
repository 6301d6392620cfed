"""Read-only queries the public pages use. Only published services are ever returned."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory.models import AREAS, Service


def _published():
    return (
        select(Service)
        .where(Service.status == "published")
        .options(selectinload(Service.channels), selectinload(Service.organization))
        .order_by(Service.sort_order, Service.name)
    )


def home_channels(session: Session) -> dict[str, list[Service]]:
    """Published services featured on the home page, by group ("sns", "phone")."""
    groups: dict[str, list[Service]] = defaultdict(list)
    for service in session.scalars(_published().where(Service.home_group.is_not(None))):
        groups[service.home_group or ""].append(service)
    return dict(groups)


def services_by_area(session: Session) -> list[tuple[str, list[Service]]]:
    """Every published service, local first: municipality, prefecture, national."""
    by_area: dict[str, list[Service]] = defaultdict(list)
    for service in session.scalars(_published()):
        by_area[service.area].append(service)
    return [(area, by_area[area]) for area in AREAS if by_area[area]]
