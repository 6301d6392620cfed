"""Where a service is: the places it is offered (address, access, accessibility) and the areas
it is for (districts, the municipality, the prefecture, the whole country)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from directory.editing.changes import EditError, audit_service_edit, clean, record_change
from directory.models import Location, Service, ServiceArea, ServiceAtLocation

LOCATION_FIELDS = (
    "name", "postal_code", "state_province", "city", "address_1", "transportation",
    "accessibility",
)  # fmt: skip


def add_location(
    session: Session, service: Service, values: Mapping[str, str], *, editor: Any,
    network: str | None,
) -> ServiceAtLocation:  # fmt: skip
    """A place where the service is offered (address, access, accessibility)."""
    cleaned = {key: clean(values.get(key, "")) for key in LOCATION_FIELDS}
    if not (cleaned["name"] or cleaned["address_1"]):
        raise EditError({"name": "場所の名前か住所を入力してください。"})
    location = Location(id=str(uuid.uuid4()), organization_id=service.organization_id, **cleaned)
    link = ServiceAtLocation(id=str(uuid.uuid4()), service=service, location=location)
    session.add_all([location, link])
    summary = " ".join(v for v in (cleaned["name"], cleaned["address_1"]) if v)
    record_change(session, service.id, "service", "update", "locations", "", summary, editor)
    audit_service_edit(session, "directory.location.add", service.id, editor, network)
    return link


def remove_location(
    session: Session, service: Service, link_id: str, *, editor: Any, network: str | None
) -> None:
    link = next((sal for sal in service.service_at_locations if sal.id == link_id), None)
    if link is None:
        raise EditError({"location": "その場所は見つかりません。"})
    summary = " ".join(v for v in (link.location.name, link.location.address_1) if v)
    service.service_at_locations.remove(link)
    record_change(session, service.id, "service", "update", "locations", summary, "", editor)
    audit_service_edit(session, "directory.location.remove", service.id, editor, network)


def set_service_areas(
    session: Session, service: Service, areas: Sequence[tuple[str, str]], *, editor: Any,
    network: str | None,
) -> None:  # fmt: skip
    """Replace where the service is for: (name, extent type) pairs, e.g. ("峰山町", "district")."""
    old = "、".join(a.name for a in service.service_areas)
    new = "、".join(name for name, _ in areas)
    if old == new:
        return
    service.service_areas = [ServiceArea(name=name, extent_type=kind) for name, kind in areas]
    record_change(session, service.id, "service", "update", "service_areas", old, new, editor)
    audit_service_edit(
        session, "directory.service.update", service.id, editor, network, reason="service_areas"
    )
