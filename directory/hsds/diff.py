"""`directory diff`: what an import of a file would change, worked out without writing anything.

Each record of the checked dataset (``importer.check_dataset``) is filled into a new, unsaved
object by the same code the import stores with (``store.fill_*``), and compared, field by field,
with the record the directory holds. Nothing is added to the session, so nothing is flushed: the
database, its sequences included, stays exactly as it was.

An import matches records by id and updates them in place; the lists inside a service
(channels, hours, areas, languages, topics) become the file's, so their items can be removed.
Records the file leaves out are never removed, so none is listed as removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from directory.hsds.store import fill_location, fill_organization, fill_service
from directory.hsds.vocabulary import (
    LOCATION_FIELDS,
    ORGANIZATION_FIELDS,
    SERVICE_FIELDS,
    Field,
    Json,
    term_map,
)
from directory.models import Location, Organization, Service, ServiceAtLocation, TaxonomyTerm

SERVICE_COLUMNS = (
    "organization_id", "name", "description", "url", "email", "audience", "cost_note",
    "status", "verified_at",
)  # fmt: skip
LOCATION_COLUMNS = (
    "organization_id", "name", "transportation", "latitude", "longitude", "address_1", "city",
    "state_province", "postal_code", "accessibility",
)  # fmt: skip
SHOWN_CHARS = 60


@dataclass
class Change:
    table: str
    record_id: str
    name: str
    added: bool = False
    fields: list[tuple[str, str]] = field(default_factory=list)  # (field, what changes)

    def lines(self) -> list[str]:
        head = f"{self.table} {self.record_id}" + (f" 「{self.name}」" if self.name else "")
        if self.added:
            return [f"+ {head}: added"]
        return [f"~ {head}: {name}: {what}" for name, what in self.fields]


@dataclass
class Diff:
    changes: list[Change] = field(default_factory=list)
    unchanged: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        parts = []
        for table in ("organization", "service", "location", "service_at_location"):
            added = sum(1 for c in self.changes if c.table == table and c.added)
            changed = sum(1 for c in self.changes if c.table == table and not c.added)
            same = self.unchanged.get(table, 0)
            if added or changed or same:
                parts.append(f"{table}: {added} added, {changed} changed, {same} unchanged")
        return "; ".join(parts) or "nothing"


def diff_dataset(session: Session, data: Json) -> Diff:
    """What storing ``data`` (checked by ``check_dataset``) would change in the directory."""
    terms, internal = term_map(data), data.get("scope") == "complete"
    diff = Diff()

    def compare(table: str, item: Json, before: Any, after: Any, view: Any) -> None:
        name = str(item.get("name", ""))
        if before is None:
            diff.changes.append(Change(table, item["id"], name, added=True))
            return
        old, new = view(before), view(after)
        fields = [(key, _what(old[key], new[key])) for key in old if old[key] != new[key]]
        if fields:
            diff.changes.append(Change(table, item["id"], name, fields=fields))
        else:
            diff.unchanged[table] = diff.unchanged.get(table, 0) + 1

    for item in data.get("organizations", []):
        new_org = Organization(id=item["id"])
        fill_organization(new_org, item, terms, internal)
        before = session.get(Organization, item["id"])
        compare("organization", item, before, new_org, _organization_view(internal))
    for item in data.get("locations", []):
        new_location = Location(id=item["id"])
        fill_location(new_location, item, terms)
        compare("location", item, session.get(Location, item["id"]), new_location, _location_view)
    for item in data.get("services", []):
        new_service = Service(id=item["id"])
        fill_service(new_service, item, terms, lambda code: TaxonomyTerm(code=code), internal)
        before = session.get(Service, item["id"])
        compare("service", item, before, new_service, _service_view(internal))
    for item in data.get("service_at_locations", []):
        new_sal = ServiceAtLocation(
            id=item["id"], service_id=item["service_id"], location_id=item["location_id"]
        )
        before = session.get(ServiceAtLocation, item["id"])
        compare("service_at_location", item, before, new_sal, _link_view)
    return diff


def _fields(record: Any, fields: tuple[Field, ...], internal: bool) -> dict[str, Any]:
    """Our own fields as the import sets them: staff-only ones only from a complete export."""
    return {
        f.code: getattr(record, f.attr)
        for f in fields
        if f.kind != "datetime" and (internal or not f.internal)
    }


def _organization_view(internal: bool) -> Any:
    def view(org: Organization) -> dict[str, Any]:
        columns = {key: getattr(org, key) for key in ("name", "description", "email", "website")}
        return columns | _fields(org, ORGANIZATION_FIELDS, internal)

    return view


def _location_view(location: Location) -> dict[str, Any]:
    columns = {key: getattr(location, key) for key in LOCATION_COLUMNS}
    return columns | _fields(location, LOCATION_FIELDS, True)


def _service_view(internal: bool) -> Any:
    def view(service: Service) -> dict[str, Any]:
        columns = {key: getattr(service, key) for key in SERVICE_COLUMNS}
        ordered = sorted(service.channels, key=lambda c: c.sort_order)
        return (
            columns
            | _fields(service, SERVICE_FIELDS, internal)
            | {
                "channels": [" ".join(filter(None, (c.kind, c.value, c.label))) for c in ordered],
                "schedules": sorted(_schedule_text(s) for s in service.schedules),
                "service_areas": sorted(a.name for a in service.service_areas),
                "languages": sorted(x.code for x in service.languages),
                "topics": sorted(t.code for t in service.topics),
            }
        )

    return view


def _link_view(sal: ServiceAtLocation) -> dict[str, Any]:
    return {"service_id": sal.service_id, "location_id": sal.location_id}


def _schedule_text(schedule: Any) -> str:
    parts = (
        schedule.kind, schedule.weekday, schedule.opens_at, schedule.closes_at,
        schedule.last_intake_at, schedule.valid_from, schedule.valid_to,
        "closed" if schedule.closed else "", schedule.description,
    )  # fmt: skip
    return " ".join(str(part) for part in parts if part not in (None, ""))


def _what(old: Any, new: Any) -> str:
    if isinstance(old, list) and isinstance(new, list):
        removed = [item for item in old if item not in new]
        added = [item for item in new if item not in old]
        said = [f"removed {_shown(item)}" for item in removed]
        said += [f"added {_shown(item)}" for item in added]
        return "; ".join(said) or "the same items in another order"
    return f"{_shown(old)} → {_shown(new)}"


def _shown(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"
