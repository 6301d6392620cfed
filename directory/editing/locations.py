"""Where a service is: the places it is offered (address, access, accessibility) and the areas
it is for (districts, the municipality, the prefecture, the whole country).

A place may be shared by several services (one building, several windows): editing it changes
it for all of them, and each one's history records the change.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.editing.changes import EditError, audit_service_edit, clean, record_change
from directory.models import Location, Service, ServiceArea, ServiceAtLocation

LOCATION_FIELDS = (
    "name", "postal_code", "state_province", "city", "address_1", "transportation",
    "accessibility",
)  # fmt: skip
# What an edit can change: the fields above, the name's reading and the coordinates.
EDITABLE_LOCATION_FIELDS = ("name_kana", *LOCATION_FIELDS, "latitude", "longitude")
POSTAL_CODE = re.compile(r"^(\d{3})-?(\d{4})$")
# Japan, roughly: catches swapped or mistyped coordinates.
LATITUDES, LONGITUDES = (20.0, 46.0), (122.0, 154.0)


def add_location(
    session: Session, service: Service, values: Mapping[str, str], *, editor: Any,
    network: str | None,
) -> ServiceAtLocation:  # fmt: skip
    """A place where the service is offered (address, access, accessibility)."""
    cleaned, problems = _checked({key: values.get(key, "") for key in LOCATION_FIELDS})
    if problems:
        raise EditError(problems)
    location = Location(id=str(uuid.uuid4()), organization_id=service.organization_id, **cleaned)
    link = ServiceAtLocation(id=str(uuid.uuid4()), service=service, location=location)
    session.add_all([location, link])
    record_change(
        session, service.id, "service", "update", "locations", "", _summary(location), editor
    )
    audit_service_edit(session, "directory.location.add", service.id, editor, network)
    return link


def find_location_link(service: Service, link_id: str) -> ServiceAtLocation:
    link = next((sal for sal in service.service_at_locations if sal.id == link_id), None)
    if link is None:
        raise EditError({"location": "その場所は見つかりません。"})
    return link


def services_at_location(session: Session, location_id: str) -> Sequence[Service]:
    """Every service offered at the place, by name."""
    return session.scalars(
        select(Service).join(ServiceAtLocation, ServiceAtLocation.service_id == Service.id)
        .where(ServiceAtLocation.location_id == location_id).order_by(Service.name, Service.id)
    ).all()  # fmt: skip


def update_location(
    session: Session, service: Service, link_id: str, values: Mapping[str, Any], *,
    editor: Any, network: str | None,
) -> list[str]:  # fmt: skip
    """Change one of the service's places in place; returns the fields that changed.

    Checked as a new place is, plus the reading and coordinates; nothing changes if anything is
    refused. The place changes for every service at it, so each of them records
    "location <position> <field>" in its history and is audited.
    """
    location = find_location_link(service, link_id).location
    new, problems = _checked(
        {f: values.get(f, getattr(location, f)) for f in EDITABLE_LOCATION_FIELDS}
    )
    if problems:
        raise EditError(problems)
    changed = [f for f in EDITABLE_LOCATION_FIELDS if getattr(location, f) != new[f]]
    if not changed:
        return []
    links = session.scalars(
        select(ServiceAtLocation).where(ServiceAtLocation.location_id == location.id)
    ).all()
    old = {f: getattr(location, f) for f in changed}
    for field in changed:
        setattr(location, field, new[field])
    for link in links:
        name = f"location {link.service.service_at_locations.index(link) + 1}"
        for field in changed:
            record_change(
                session, link.service_id, "service", "update", f"{name} {field}", old[field],
                new[field], editor,
            )  # fmt: skip
        audit_service_edit(session, "directory.location.update", link.service_id, editor,
                           network, reason=", ".join(changed))  # fmt: skip
    return changed


def remove_location(
    session: Session, service: Service, link_id: str, *, editor: Any, network: str | None
) -> None:
    link = find_location_link(service, link_id)
    summary = _summary(link.location)
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


def _summary(location: Location) -> str:
    return " ".join(v for v in (location.name, location.address_1) if v)


def _checked(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The values cleaned (postal code as 627-0012, coordinates as numbers) and the problems."""
    cleaned = {k: clean(v or "") for k, v in values.items() if k not in ("latitude", "longitude")}
    problems = {}
    if not (cleaned["name"] or cleaned["address_1"]):
        problems["name"] = "場所の名前か住所を入力してください。"
    postal = POSTAL_CODE.match(unicodedata.normalize("NFKC", cleaned["postal_code"]))
    if postal:
        cleaned["postal_code"] = f"{postal[1]}-{postal[2]}"
    elif cleaned["postal_code"]:
        problems["postal_code"] = "郵便番号は 627-0012 のように、7桁の数字で入力してください。"
    if "latitude" in values:
        coordinates = _coordinates(values["latitude"], values["longitude"])
        if isinstance(coordinates, dict):
            problems |= coordinates
        else:
            cleaned["latitude"], cleaned["longitude"] = coordinates
    return cleaned, problems


def _coordinates(
    latitude: Any, longitude: Any
) -> tuple[float | None, float | None] | dict[str, str]:
    """Both coordinates as numbers in Japan, or neither; else the problems."""
    lat, lon = _number(latitude), _number(longitude)
    if lat is None and lon is None and not _given(latitude) and not _given(longitude):
        return None, None
    problems = {}
    if lat is None or not LATITUDES[0] <= lat <= LATITUDES[1]:
        problems["latitude"] = "緯度は 35.62 のように、20 から 46 までの数で入力してください。"
    if lon is None or not LONGITUDES[0] <= lon <= LONGITUDES[1]:
        problems["longitude"] = "経度は 135.06 のように、122 から 154 までの数で入力してください。"
    return problems or (lat, lon)


def _given(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def _number(value: Any) -> float | None:
    if isinstance(value, int | float):
        return float(value)
    try:
        number = float(unicodedata.normalize("NFKC", str(value or "")).strip())
    except ValueError:
        return None
    return number if number == number else None  # NaN is no coordinate
