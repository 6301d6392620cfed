"""Directory records as Open Referral HSDS 3.0 objects, ready to be written as JSON.

What goes where (standard fields, our attributes, derived ids) is described in
``directory.hsds.vocabulary``. ``internal=True`` adds what only staff may see: the check note,
who verified, creation times and the change history (HSDS ``metadata``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, time
from types import SimpleNamespace
from typing import Any

from directory.hsds.attributes import attribute, field_attributes, timestamp
from directory.hsds.vocabulary import (
    CHANNEL_FIELDS,
    CHANNEL_TAXONOMY,
    JAPAN,
    LOCATION_FIELDS,
    ORGANIZATION_FIELDS,
    SCHEDULE_FIELDS,
    SERVICE_FIELDS,
    TAXONOMIES,
    UTC_OFFSET,
    WEEKDAYS,
    Json,
    builtin_terms,
    canonical,
    derived_id,
    taxonomy_id,
    term_id,
)
from directory.models import ChangeRecord, Location, Organization, Service, ServiceAtLocation
from directory.models import TaxonomyTerm as TopicTerm

STATUS_TO_HSDS = {"published": "active", "draft": "inactive", "archived": "defunct"}


def _optional(data: Json, **values: Any) -> Json:
    data.update({key: value for key, value in values.items() if value not in (None, "")})
    return data


def _content_ids(owner: str, kind: str, rows: list[Json], extra: Sequence[Any] = ()) -> None:
    """Give each row an id from its content; identical rows are told apart by a counter."""
    seen: Counter[str] = Counter()
    for index, row in enumerate(rows):
        content = json.dumps([row, extra[index] if extra else None], sort_keys=True, default=str)
        row["id"] = derived_id(owner, kind, content, str(seen[content]))
        seen[content] += 1


def service_summary(service: Service) -> Json:
    """The one-to-one fields: what HSDS lists of services hold."""
    data = {
        "id": service.id,
        "organization_id": service.organization_id,
        "name": service.name,
        "status": STATUS_TO_HSDS.get(service.status, "inactive"),
    }
    if service.updated_at is not None:
        data["last_modified"] = timestamp(service.updated_at)
    return _optional(
        data,
        description=service.description,
        url=service.url,
        email=service.email,
        eligibility_description=service.audience,
        fees_description=service.cost_note,
        assured_date=service.verified_at.isoformat() if service.verified_at else None,
    )


def service_to_hsds(
    service: Service,
    *,
    internal: bool = False,
    nested: bool = False,
    metadata: Sequence[ChangeRecord] | None = (),
) -> Json:
    """A full service. ``nested`` adds its organization and locations, as the API shows them.

    With ``internal``, ``metadata`` is the change history; None leaves the history out.
    """
    data = service_summary(service)
    phones, channel_attributes = _channels(service)
    fields = [f for f in SERVICE_FIELDS if f.code != "hours_note" or service.schedules]
    topics = [
        attribute(service.id, "service", "topic", term.id, f"topic/{term.code}")
        for term in service.topics
    ]
    data["phones"] = canonical(phones, "phones")
    data["schedules"] = canonical(_schedules(service), "schedules")
    data["service_areas"] = canonical(_service_areas(service), "service_areas")
    data["languages"] = canonical(_languages(service), "languages")
    data["attributes"] = canonical(
        topics
        + channel_attributes
        + field_attributes(service, service.id, "service", fields, internal),
        "attributes",
    )
    if internal and metadata is not None:
        data["metadata"] = metadata_to_hsds(metadata)
    if nested:
        data["organization"] = organization_to_hsds(service.organization)
        data["service_at_locations"] = canonical(
            (service_at_location_to_hsds(sal) for sal in service.service_at_locations), "sal"
        )
    return data


def _channels(service: Service) -> tuple[list[Json], list[Json]]:
    """Phones, and the other channels as attributes; each keeps its place among all of them."""
    phones, attributes = [], []
    ordered = sorted(service.channels, key=lambda c: (c.sort_order, c.id or 0))
    for position, channel in enumerate(ordered):
        channel_id = derived_id(service.id, "channel", str(position))
        place = SimpleNamespace(label=channel.label, sort_order=position)
        if channel.kind == "phone":
            phone = {"id": channel_id, "service_id": service.id, "number": channel.value}
            extra = field_attributes(place, channel_id, "phone", CHANNEL_FIELDS[1:], False)
            phones.append(_optional(phone, description=channel.label) | {"attributes": extra})
            continue
        term = term_id(CHANNEL_TAXONOMY, channel.kind)
        attributes.append(
            attribute(service.id, "service", "contact_channel", term, "", channel.value)
            | {"id": channel_id}
        )
        attributes += field_attributes(place, channel_id, "attribute", CHANNEL_FIELDS, False)
    return phones, attributes


def _schedules(service: Service) -> list[Json]:
    rows, values = [], []
    for schedule in service.schedules:
        row = {"service_id": service.id}
        if schedule.kind == "weekly" and schedule.weekday is not None:
            row |= {"freq": "WEEKLY", "byday": WEEKDAYS[schedule.weekday]}
        # A date exception without an end is that one day; HSDS would read it as open-ended.
        valid_to = schedule.valid_to or (schedule.valid_from if "freq" not in row else None)
        _optional(
            row,
            valid_from=_day(schedule.valid_from),
            valid_to=_day(valid_to),
            opens_at=_clock(schedule.opens_at),
            closes_at=_clock(schedule.closes_at),
            description=schedule.description,
        )
        if "opens_at" in row or "closes_at" in row:
            row["timezone"] = UTC_OFFSET
        rows.append(row)
        values.append([str(getattr(schedule, f.attr)) for f in SCHEDULE_FIELDS])
    if not rows and service.hours_note:
        rows.append({"service_id": service.id, "description": service.hours_note})
        values.append(["hours_note"])
    _content_ids(service.id, "schedule", rows, values)
    for row, schedule in zip(rows, service.schedules, strict=False):
        attrs = field_attributes(schedule, row["id"], "schedule", SCHEDULE_FIELDS, False)
        if attrs:
            row["attributes"] = canonical(attrs, "attributes")
    return rows


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _clock(value: time | None) -> str | None:
    return value.isoformat() if value else None


def _service_areas(service: Service) -> list[Json]:
    rows = [
        _optional({"service_id": service.id, "name": area.name}, extent_type=area.extent_type)
        for area in service.service_areas
    ]
    _content_ids(service.id, "service_area", rows)
    return rows


def _languages(service: Service) -> list[Json]:
    rows = [
        _optional({"service_id": service.id, "code": lang.code}, name=lang.name, note=lang.note)
        for lang in service.languages
    ]
    _content_ids(service.id, "language", rows)
    return rows


def metadata_to_hsds(records: Iterable[ChangeRecord]) -> list[Json]:
    """Change records as HSDS metadata. HSDS keeps the day only: the day in Japan."""
    rows = [
        {
            "resource_id": r.resource_id,
            "resource_type": r.resource_type,
            "last_action_date": r.last_action_date.astimezone(JAPAN).date().isoformat(),
            "last_action_type": r.last_action_type,
            "field_name": r.field_name,
            "previous_value": r.previous_value,
            "replacement_value": r.replacement_value,
            "updated_by": r.updated_by,
        }
        for r in records
    ]
    for owner in {row["resource_id"] for row in rows}:
        _content_ids(owner, "metadata", [row for row in rows if row["resource_id"] == owner])
    return canonical(rows, "metadata")


def organization_summary(org: Organization) -> Json:
    data = {"id": org.id, "name": org.name, "description": org.description}
    return _optional(data, email=org.email, website=org.website)


def organization_to_hsds(
    org: Organization,
    *,
    internal: bool = False,
    metadata: Sequence[ChangeRecord] | None = (),
    services: Sequence[Service] | None = None,
) -> Json:
    """An organization; with ``internal``, ``metadata`` is its history (None leaves it out)."""
    data = organization_summary(org)
    attrs = field_attributes(org, org.id, "organization", ORGANIZATION_FIELDS, internal)
    if attrs:
        data["attributes"] = canonical(attrs, "attributes")
    if internal and metadata is not None:
        data["metadata"] = metadata_to_hsds(metadata)
    if services is not None:
        data["services"] = canonical((service_summary(s) for s in services), "services")
    return data


def location_to_hsds(location: Location) -> Json:
    data = {"id": location.id, "location_type": "physical"}
    _optional(
        data,
        organization_id=location.organization_id,
        name=location.name,
        transportation=location.transportation,
        latitude=location.latitude,
        longitude=location.longitude,
    )
    if location.address_1 or location.city or location.postal_code:
        data["addresses"] = [
            {
                "id": derived_id(location.id, "address"),
                "location_id": location.id,
                "address_1": location.address_1,
                "city": location.city,
                "state_province": location.state_province,
                "postal_code": location.postal_code,
                "country": "JP",
                "address_type": "physical",
            }
        ]
    if location.accessibility:
        data["accessibility"] = [
            {
                "id": derived_id(location.id, "accessibility"),
                "location_id": location.id,
                "description": location.accessibility,
            }
        ]
    attrs = field_attributes(location, location.id, "location", LOCATION_FIELDS, False)
    if attrs:
        data["attributes"] = canonical(attrs, "attributes")
    return data


def service_at_location_to_hsds(sal: ServiceAtLocation, *, nested: bool = True) -> Json:
    data = {"id": sal.id, "service_id": sal.service_id, "location_id": sal.location_id}
    if nested:
        data["location"] = location_to_hsds(sal.location)
    return data


def taxonomy_to_hsds() -> list[Json]:
    return canonical(
        (
            {"id": taxonomy_id(name), "name": name, "description": description}
            for name, description in TAXONOMIES.items()
        ),
        "taxonomies",
    )


def taxonomy_term_to_hsds(term: TopicTerm) -> Json:
    data = {
        "id": term.id,
        "code": term.code,
        "name": term.name,
        "language": "ja",
        "description": term.description or term.name_en,
        "taxonomy": term.taxonomy,
        "taxonomy_id": taxonomy_id(term.taxonomy),
    }
    return _optional(data, parent_id=term.parent_id)


def taxonomy_terms_to_hsds(topics: Iterable[TopicTerm]) -> list[Json]:
    return canonical([*map(taxonomy_term_to_hsds, topics), *builtin_terms()], "taxonomy_terms")
