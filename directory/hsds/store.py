"""Write a checked HSDS dataset into the directory (``directory.hsds.importer`` checks it first).

Records are matched by id and updated in place; a service's channels, schedules, areas,
languages and topics become the file's; its change history too, when the file carries one (a
``complete`` export does, a ``public`` one does not).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, time

from sqlalchemy import delete
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from core.db import utcnow
from directory.hsds.attributes import apply_fields, field_values, from_tsunagu
from directory.hsds.rules import action_date, aware
from directory.hsds.vocabulary import (
    CHANNEL_TAXONOMY,
    LOCATION_FIELDS,
    ORGANIZATION_FIELDS,
    SCHEDULE_FIELDS,
    SERVICE_FIELDS,
    WEEKDAYS,
    Json,
    Terms,
    term_map,
)
from directory.models import (
    ChangeRecord,
    ContactChannel,
    Language,
    Location,
    Organization,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
)
from directory.taxonomy import TAXONOMY as TOPIC_TAXONOMY
from directory.taxonomy import ensure_topics

STATUS_FROM_HSDS = {
    "active": "published",
    "inactive": "draft",
    "defunct": "archived",
    "temporarily closed": "draft",
}


def store_dataset(session: Session, data: Json) -> dict[str, int]:
    """Store a dataset that passed ``validate_dataset``; returns how many records of each list."""
    topics = ensure_topics(session)
    terms = term_map(data)
    # Only a complete export carries staff-only fields; any other file leaves ours as they are.
    internal = data.get("scope") == "complete"
    for item in data.get("organizations", []):
        _store_organization(session, item, terms, internal)
    for item in data.get("locations", []):
        _store_location(session, item, terms)
    session.flush()
    for item in data.get("services", []):
        _store_service(session, item, terms, topics, internal)
    for item in data.get("service_at_locations", []):
        sal = session.get(ServiceAtLocation, item["id"]) or ServiceAtLocation(id=item["id"])
        sal.service_id, sal.location_id = item["service_id"], item["location_id"]
        session.add(sal)
    session.flush()
    return {
        key: len(data.get(key, []))
        for key in ("organizations", "services", "locations", "service_at_locations")
    }


def _store_organization(session: Session, item: Json, terms: Terms, internal: bool) -> None:
    org = session.get(Organization, item["id"]) or Organization(id=item["id"])
    fill_organization(org, item, terms, internal)
    session.add(org)
    if internal and "metadata" in item:
        _store_history(session, item, "organization")


def fill_organization(org: Organization, item: Json, terms: Terms, internal: bool) -> None:
    """Set an organisation's fields from a checked record (``directory.hsds.diff`` uses it too)."""
    org.name, org.description = item["name"], item["description"]
    org.email, org.website = item.get("email", ""), item.get("website", "")
    apply_fields(org, field_values(item, terms), ORGANIZATION_FIELDS, internal)


def _store_location(session: Session, item: Json, terms: Terms) -> None:
    location = session.get(Location, item["id"]) or Location(id=item["id"])
    fill_location(location, item, terms)
    session.add(location)


def fill_location(location: Location, item: Json, terms: Terms) -> None:
    address = (item.get("addresses") or [{}])[0]
    location.organization_id = item.get("organization_id")
    location.name, location.transportation = item.get("name", ""), item.get("transportation", "")
    location.latitude, location.longitude = item.get("latitude"), item.get("longitude")
    for name in ("address_1", "city", "state_province", "postal_code"):
        setattr(location, name, address.get(name, ""))
    location.accessibility = (item.get("accessibility") or [{}])[0].get("description", "")
    apply_fields(location, field_values(item, terms), LOCATION_FIELDS)


def _store_service(
    session: Session, item: Json, terms: Terms, topics: dict, internal: bool
) -> None:
    service = session.get(Service, item["id"]) or Service(id=item["id"])
    session.add(service)
    fill_service(service, item, terms, lambda code: topics[code], internal)
    if internal and "metadata" in item:
        _store_history(session, item, "service")


def fill_service(
    service: Service,
    item: Json,
    terms: Terms,
    topic: Callable[[str], TaxonomyTerm],
    internal: bool,
) -> None:
    """Set a service's fields and its lists from a checked record; ``topic`` gives a term."""
    service.organization_id, service.name = item["organization_id"], item["name"]
    service.status = STATUS_FROM_HSDS[item["status"]]
    if service.status == "published" and not from_tsunagu(item, terms):
        service.status = "draft"  # another system's word is not our check: staff publish it
    service.description, service.url = item.get("description", ""), item.get("url", "")
    service.email, service.audience = item.get("email", ""), item.get("eligibility_description", "")
    service.cost_note = item.get("fees_description", "")
    assured = item.get("assured_date")
    service.verified_at = date.fromisoformat(assured) if assured else None
    values = field_values(item, terms)
    schedules, notes = _schedules(item, terms)
    if notes and "hours_note" not in values:
        values["hours_note"] = ["\n".join(notes)]
    apply_fields(service, values, SERVICE_FIELDS, internal)
    service.schedules = schedules
    service.channels = _channels(item, terms)
    service.service_areas = [
        ServiceArea(name=a["name"], extent_type=a.get("extent_type", ""))
        for a in item.get("service_areas", [])
    ]
    service.languages = [
        Language(code=x["code"], name=x.get("name", ""), note=x.get("note", ""))
        for x in item.get("languages", [])
    ]
    found = [terms[a["taxonomy_term_id"]] for a in item.get("attributes", [])]
    service.topics = [topic(code) for code in sorted({c for t, c in found if t == TOPIC_TAXONOMY})]
    modified = item.get("last_modified")
    service.updated_at = aware(modified).astimezone(UTC) if modified else utcnow()
    flag_modified(service, "updated_at")  # the file's time, even where a column changed


def _channels(item: Json, terms: Terms) -> list[ContactChannel]:
    found = []
    for phone in item.get("phones", []):
        place = field_values(phone, terms)
        found.append((place, "phone", phone["number"], phone.get("description", "")))
    for attr in item.get("attributes", []):
        taxonomy, kind = terms[attr["taxonomy_term_id"]]
        if taxonomy == CHANNEL_TAXONOMY:
            place = field_values(item, terms, attr["id"])
            found.append((place, kind, attr["value"], place.get("channel_label", [""])[-1]))
    found.sort(key=lambda c: int(c[0].get("channel_position", [1 << 30])[-1]))
    return [
        ContactChannel(kind=kind, value=value, label=label, sort_order=order)
        for order, (_, kind, value, label) in enumerate(found)
    ]


def _schedules(item: Json, terms: Terms) -> tuple[list[Schedule], list[str]]:
    """Schedule rows, one per weekday; and texts that only describe hours (the hours note)."""
    rows, notes = [], []
    for row in item.get("schedules", []):
        if not (row.get("freq") or row.get("valid_from")):
            notes.append(row.get("description", ""))
            continue
        days = [WEEKDAYS.index(d) for d in row.get("byday", "").split(",") if d]
        for day in days if row.get("freq") else [None]:
            schedule = Schedule(
                kind="weekly" if row.get("freq") else "exception",
                weekday=day,
                description=row.get("description", ""),
            )
            for name in ("opens_at", "closes_at"):
                setattr(schedule, name, time.fromisoformat(row[name]) if name in row else None)
            for name in ("valid_from", "valid_to"):
                setattr(schedule, name, date.fromisoformat(row[name]) if name in row else None)
            apply_fields(schedule, field_values(row, terms), SCHEDULE_FIELDS)
            rows.append(schedule)
    return rows, notes


def _store_history(session: Session, item: Json, resource_type: str) -> None:
    session.execute(
        delete(ChangeRecord).where(
            ChangeRecord.resource_id == item["id"], ChangeRecord.resource_type == resource_type
        )
    )
    session.add_all(
        ChangeRecord(
            resource_id=item["id"],
            resource_type=resource_type,
            last_action_date=action_date(c["last_action_date"]),
            last_action_type=c["last_action_type"],
            field_name=c["field_name"],
            previous_value=c["previous_value"],
            replacement_value=c["replacement_value"],
            updated_by=c["updated_by"],
        )
        for c in item["metadata"]
    )
