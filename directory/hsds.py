"""Directory records as Open Referral HSDS 3.0 objects, ready to be written as JSON.

The standard fields carry what HSDS has a place for. Everything else of ours travels as HSDS
``attributes`` linked to terms of our own taxonomies, so an export loses nothing and any HSDS
reader can ignore what it does not know:

- ``tsunagu-topics``: the topics a service covers (attribute without a value).
- ``tsunagu-contact-channel``: ways to reach a service other than a phone number (LINE, chat,
  web, SNS, e-mail, in person), ``value`` the address or ID as written. Phone numbers are HSDS
  ``phones``: ``number`` as written, ``description`` our label.
- ``tsunagu-fields``: our own fields (``FIELDS``), one term per field, ``value`` as text. A field
  at its default value is left out. The kana reading is the ``name_kana`` field rather than
  ``alternate_name``: a reading is not another name, and HSDS readers would show it as one.

Our integer-keyed rows get UUIDs from uuid5 over the owner's id and the row's position (contact
channels, whose order is kept in a ``channel_position`` field) or its exported content (the
rest), so the same data always exports the same bytes. Nested lists come in one canonical order
(``canonical``), whichever way the data came in. ``internal=True`` adds what only staff may see:
the check note, who verified, creation times and the change history (HSDS ``metadata``).
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from types import SimpleNamespace
from typing import Any

from directory.models import ChangeRecord, Location, Organization, Service, ServiceAtLocation
from directory.models import TaxonomyTerm as TopicTerm
from directory.taxonomy import TAXONOMY as TOPIC_TAXONOMY
from directory.taxonomy import TERM_NAMESPACE

Json = dict[str, Any]
HSDS_VERSION = "3.0"
# The base specification, exactly as validated: this API uses no HSDS profile.
PROFILE_URI = "https://github.com/openreferral/specification/tree/3.0"
OPENAPI_URI = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"
JAPAN = timezone(timedelta(hours=9), "JST")  # Japan keeps no daylight saving time
UTC_OFFSET = 9  # HSDS schedule.timezone is a UTC offset in hours
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # our weekday 0 is Monday
ID_NAMESPACE = uuid.UUID("5b0f8f1e-3c47-4d0a-8e8c-2f4a6d9b1c73")
CHANNEL_TAXONOMY = "tsunagu-contact-channel"
FIELD_TAXONOMY = "tsunagu-fields"
STATUS_TO_HSDS = {"published": "active", "draft": "inactive", "archived": "defunct"}
CHANNEL_TERMS = {  # code: (name, description)
    "line": ("LINE", "A LINE account; value is its ID (@...) or https address"),
    "chat": ("チャット", "A chat service; value is its https address"),
    "web": ("ウェブサイト", "A web page or form; value is its https address"),
    "sns": ("SNS", "Another social network account; value is its ID or https address"),
    "email": ("メール", "E-mail; value is the address"),
    "in_person": ("窓口", "In person at a counter; value says where, as written"),
}
TAXONOMIES = {  # name: description
    TOPIC_TAXONOMY: "Tsunagu topics: the problems behind suicide risk and the people a service"
    " reaches.",
    CHANNEL_TAXONOMY: "Tsunagu contact channels: ways to reach a service besides a phone number.",
    FIELD_TAXONOMY: "Tsunagu fields: directory fields that HSDS has no place for; the attribute"
    " value holds the field's value as text.",
}


@dataclass(frozen=True)
class Field:
    """One of our fields, carried as a ``tsunagu-fields`` attribute of the record it belongs to."""

    code: str
    attr: str
    kind: str  # text, bool, int, time, datetime or list (one attribute per item)
    description: str
    default: Any = ""  # the model's default: left out when written, and set when absent
    internal: bool = False  # staff only: never in the public API
    always: bool = False  # written even at its default, because readers need to see it


SERVICE_FIELDS = (
    Field("name_kana", "name_kana", "text", "よみ: the reading of the name in hiragana"),
    Field("area", "area", "text", "municipality, prefecture or national", "national", always=True),
    Field("audience_code", "audiences", "list", "Who it is for: youth, women, elderly, ..."),
    Field("hours_note", "hours_note", "text", "Opening hours as written (beside schedules)"),
    Field("closed_on_holidays", "closed_on_holidays", "bool", "Closed on public holidays", False),
    Field("closed_over_year_end", "closed_over_year_end", "bool", "Closed 29 Dec-3 Jan", False),
    Field("contact_note", "contact_note", "text", "How to get in touch, as written"),
    Field("cost", "cost", "text", "free, partly, paid or unknown", "unknown", always=True),
    Field("anonymous", "anonymous", "bool", "Can be used without giving a name", None),
    Field("languages_note", "languages_note", "text", "Languages, as written"),
    Field("address", "address", "text", "Address, as written"),
    Field("home_group", "home_group", "text", "Featured on the home page: phone or sns", None),
    Field("dedicated_window", "is_dedicated_window", "bool", "The municipality's window", False),
    Field("sort_order", "sort_order", "int", "Position in listings", 0),
    Field("confidence", "confidence", "text", "How sure the sources are", "low", always=True),
    Field("needs_check", "needs_check", "bool", "Facts await a check (要確認)", True, always=True),
    Field("source_url", "source_url", "text", "Sources of the facts, separated by ' | '"),
    Field("source_date", "source_date", "text", "Dates of the sources, as written"),
    Field("check_note", "check_note", "text", "Staff note on what to check", internal=True),
    Field("verified_by", "verified_by", "text", "Who last confirmed the facts", internal=True),
    Field("created_at", "created_at", "datetime", "When the record was created", None, True),
)
NAME_KANA, CREATED_AT = SERVICE_FIELDS[0], SERVICE_FIELDS[-1]
ORGANIZATION_FIELDS = (
    NAME_KANA,
    CREATED_AT,
    Field("updated_at", "updated_at", "datetime", "When the record last changed", None, True),
)
LOCATION_FIELDS = (NAME_KANA,)
SCHEDULE_FIELDS = (
    Field("last_intake_at", "last_intake_at", "time", "Last call or intake taken at", None),
    Field("closed", "closed", "bool", "Closed on these dates", False),
)
CHANNEL_FIELDS = (
    Field("channel_label", "label", "text", "The channel's label, as written"),
    Field("channel_position", "sort_order", "int", "The channel's place among all channels", None),
)
FIELDS = {
    f.code: f for f in (*SERVICE_FIELDS, *ORGANIZATION_FIELDS, *SCHEDULE_FIELDS, *CHANNEL_FIELDS)
}


def derived_id(*parts: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, "/".join(parts)))


def term_id(taxonomy: str, code: str) -> str:
    """The same ids as ``directory.taxonomy.term_id`` gives our topics."""
    return str(uuid.uuid5(TERM_NAMESPACE, f"{taxonomy}/{code}"))


def taxonomy_id(name: str) -> str:
    return str(uuid.uuid5(TERM_NAMESPACE, f"taxonomy/{name}"))


def encode(kind: str, value: Any) -> str:
    if kind == "bool":
        return "true" if value else "false"
    if kind == "time":
        return value.isoformat()
    if kind == "datetime":
        return timestamp(value)
    return str(value)


def timestamp(value: datetime) -> str:
    """UTC with milliseconds, as HSDS asks of ``last_modified``."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def attribute(
    link_id: str, entity: str, link_type: str, term: str, key: str, value: str | None = None
) -> Json:
    data = {
        "id": derived_id(link_id, "attribute", key),
        "link_id": link_id,
        "link_entity": entity,
        "link_type": link_type,
        "taxonomy_term_id": term,
    }
    if value is not None:
        data["value"] = value
    return data


def field_attributes(
    record: Any, link_id: str, entity: str, fields: Iterable[Field], internal: bool
) -> list[Json]:
    found = []
    for field in fields:
        if field.internal and not internal:
            continue
        value = getattr(record, field.attr)
        term = term_id(FIELD_TAXONOMY, field.code)
        if field.kind == "list":
            found += [
                attribute(link_id, entity, "extension", term, f"{field.code}/{item}", item)
                for item in sorted(value or [])
            ]
        elif value is not None and (field.always or value != field.default):
            found.append(
                attribute(link_id, entity, "extension", term, field.code, encode(field.kind, value))
            )
    return found


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


def canonical(items: Iterable[Json], kind: str) -> list[Json]:
    """The one order nested lists are written in: phones by position, schedules by day."""
    if kind == "phones":
        return sorted(items, key=lambda p: (_position(p), p["id"]))
    if kind == "schedules":
        return sorted(items, key=_schedule_key)
    if kind == "metadata":
        return sorted(items, key=lambda row: (row["last_action_date"], row["id"]))
    return sorted(items, key=lambda item: item["id"])


def _position(item: Json) -> int:
    term = term_id(FIELD_TAXONOMY, "channel_position")
    for attr in item.get("attributes", []):
        value = str(attr.get("value", ""))
        if attr.get("taxonomy_term_id") == term and value.isascii() and value.isdigit():
            return int(value)
    return 1 << 30


def _schedule_key(row: Json) -> tuple:
    day = WEEKDAYS.index(row["byday"]) if row.get("byday") in WEEKDAYS else 9
    shape = 0 if row.get("freq") else 1 if row.get("valid_from") else 2
    return (shape, day, row.get("valid_from", ""), row.get("opens_at", ""), row["id"])


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
    metadata: Sequence[ChangeRecord] = (),
) -> Json:
    """A full service. ``nested`` adds its organization and locations, as the API shows them."""
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
    if internal:
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
    metadata: Sequence[ChangeRecord] | None = None,
    services: Sequence[Service] | None = None,
) -> Json:
    data = organization_summary(org)
    attrs = field_attributes(org, org.id, "organization", ORGANIZATION_FIELDS, internal)
    if attrs:
        data["attributes"] = canonical(attrs, "attributes")
    if internal:
        data["metadata"] = metadata_to_hsds(metadata or ())
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


def builtin_terms() -> list[Json]:
    """The terms of our channel and field taxonomies, which live in code, not in the database."""
    terms = [(CHANNEL_TAXONOMY, code, name, text) for code, (name, text) in CHANNEL_TERMS.items()]
    terms += [(FIELD_TAXONOMY, f.code, f.code, f.description) for f in FIELDS.values()]
    return [
        {
            "id": term_id(taxonomy, code),
            "code": code,
            "name": name,
            "description": text,
            "taxonomy": taxonomy,
            "taxonomy_id": taxonomy_id(taxonomy),
        }
        for taxonomy, code, name, text in terms
    ]


def taxonomy_terms_to_hsds(topics: Iterable[TopicTerm]) -> list[Json]:
    return canonical([*map(taxonomy_term_to_hsds, topics), *builtin_terms()], "taxonomy_terms")
