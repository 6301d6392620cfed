"""Read HSDS 3.0 data into the directory: check everything first, then change all or nothing.

Every object is checked against the official JSON schemas (Draft 2020-12, through a
``referencing`` registry over the schema files), then against our own rules: phone numbers are
digits and hyphens with a leading # or + at most, links are https only, taxonomy terms are ones
we know, dates and times are real, records point at records that exist, and our own fields
(``directory.hsds.FIELDS``) hold values we can store. Each problem names its record and field.

Only a dataset without problems is written. Records are matched by id and updated in place; a
service's channels, schedules, areas, languages and topics become the file's; its change history
too, when the file carries one (a ``complete`` export does, a ``public`` one does not).
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import delete
from sqlalchemy.orm import Session

from core.config import PROJECT_ROOT
from core.db import utcnow
from directory import hsds
from directory.exchange import LISTS
from directory.hsds import FIELD_TAXONOMY, JAPAN, WEEKDAYS, Field, Json
from directory.models import (
    AREAS,
    AUDIENCES,
    COST_KINDS,
    ChangeRecord,
    ContactChannel,
    Language,
    Location,
    Organization,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
)
from directory.taxonomy import TAXONOMY as TOPIC_TAXONOMY
from directory.taxonomy import ensure_topics, term_id
from directory.topics import TOPIC_BY_SLUG

SCHEMA_BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
SCHEMAS = {  # top-level list -> the official schema its objects must satisfy
    "organizations": "compiled/organization.json",
    "services": "compiled/service.json",
    "locations": "location.json",
    "service_at_locations": "compiled/service_at_location.json",
    "taxonomies": "taxonomy.json",
    "taxonomy_terms": "taxonomy_term.json",
}
STATUS_FROM_HSDS = {
    "active": "published",
    "inactive": "draft",
    "defunct": "archived",
    "temporarily closed": "draft",
}
PHONE = re.compile(r"^[#+]?[0-9][0-9-]*$")
ACCOUNT_ID = re.compile(r"^@[A-Za-z0-9._-]{1,40}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")
UNSUPPORTED_SCHEDULE = ("dtstart", "until", "count", "byweekno", "bymonthday", "byyearday")
# Our columns' sizes, so a long value is a readable problem rather than a database error.
LIMITS = {
    "name": 300,
    "url": 500,
    "email": 254,
    "website": 500,
    "number": 500,
    "description@phone": 300,
    "code": 16,
    "extent_type": 32,
    "home_group": 16,
    "confidence": 8,
    "verified_by": 200,
    "updated_by": 200,
    "field_name": 64,
    "last_action_type": 16,
    "name@service_area": 200,
    "name@language": 100,
    "value": 500,
    "postal_code": 16,
    "state_province": 64,
    "city": 100,
    "address_1": 300,
    "channel_label": 300,
    "name_kana": 300,
}


class SchemaError(RuntimeError):
    """The official HSDS schemas are not where we look for them."""


def default_schema_dir() -> Path:
    """``TSUNAGU_HSDS_SCHEMAS``, else the shared copy beside the project."""
    configured = os.environ.get("TSUNAGU_HSDS_SCHEMAS")
    return Path(configured) if configured else PROJECT_ROOT.parent / "shared" / "hsds-3.0"


@lru_cache(maxsize=4)
def schema_registry(schema_dir: Path) -> Registry:
    """Every schema file under the URI the official files refer to each other by."""
    root = schema_dir / "schema"
    if not (root / "service.json").is_file():
        raise SchemaError(f"the HSDS 3.0 schemas are not in {root} (set TSUNAGU_HSDS_SCHEMAS)")
    resources = [
        (
            SCHEMA_BASE + path.relative_to(root).as_posix(),
            Resource.from_contents(_load(path), default_specification=DRAFT202012),
        )
        for path in sorted(root.rglob("*.json"))
    ]
    return Registry().with_resources(resources)


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def schema_validator(schema_dir: Path, name: str) -> Draft202012Validator:
    """A validator for one official schema, e.g. ``compiled/service.json``."""
    return Draft202012Validator(
        {"$ref": SCHEMA_BASE + name},
        registry=schema_registry(schema_dir),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


@dataclass(frozen=True)
class Problem:
    record: str  # e.g. "service 0f8c…", or "file"
    field: str  # a path inside the record, e.g. "phones[0].number"
    message: str

    def __str__(self) -> str:
        return f"{self.record}: {self.field}: {self.message}"


@dataclass
class ImportReport:
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if not self.ok:
            return f"nothing imported: {len(self.problems)} problem(s)"
        return ", ".join(f"{count} {name}" for name, count in self.counts.items())


def import_dataset(session: Session, data: Any, *, schema_dir: Path | None = None) -> ImportReport:
    """Check ``data`` (an HSDS dataset, as ``directory.exchange`` reads it) and store it.

    Nothing is written unless every check passes. The caller commits.
    """
    data = hoist_nested(data)
    problems = validate_dataset(session, data, schema_dir=schema_dir)
    if problems:
        return ImportReport(problems)
    return ImportReport(counts=_store(session, data))


def hoist_nested(data: Any) -> Any:
    """Organizations and locations nested in services, as the API shows them, join the lists."""
    if not isinstance(data, dict):
        return data
    services = _objects(data, "services")
    links = [sal for s in services for sal in _listed(s.get("service_at_locations"))]
    nested = {
        "organizations": [s.get("organization") for s in services],
        "service_at_locations": links,
        "locations": [sal.get("location") for sal in links + _objects(data, "service_at_locations")
                      if isinstance(sal, dict)],
    }  # fmt: skip
    data = dict(data)
    for key, found in nested.items():
        items = data.get(key, [])
        if not isinstance(items, list):
            continue  # reported by the schema check
        known = {item.get("id") for item in items if isinstance(item, dict)}
        extra = {item["id"]: item for item in _listed(found) if item.get("id") not in known}
        data[key] = [*items, *extra.values()]
    return data


def _listed(items: Any) -> list[Json]:
    if not isinstance(items, list):
        return []
    return [item for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)]


def validate_dataset(
    session: Session, data: Any, *, schema_dir: Path | None = None
) -> list[Problem]:
    if not isinstance(data, dict):
        return [Problem("file", "(top level)", "an HSDS dataset is a JSON object")]
    checker = _Checker(session, data)
    if str(data.get("hsds_version", "3.0")).split(".")[:2] != ["3", "0"]:
        checker.add("file", "hsds_version", "only HSDS 3.0 can be read")
    valid = checker.schemas(schema_dir or default_schema_dir())
    for item in valid.get("taxonomies", []):
        if item["name"] not in hsds.TAXONOMIES:
            checker.add(f"taxonomy {item['id']}", "name", "not one of our taxonomies")
    for item in valid.get("taxonomy_terms", []):
        checker.term(item)
    for item in valid.get("organizations", []):
        checker.organization(item)
    for item in valid.get("locations", []):
        checker.location(item)
    for item in valid.get("services", []):
        checker.service(item)
    for item in valid.get("service_at_locations", []):
        checker.service_at_location(item)
    return checker.problems


class _Checker:
    def __init__(self, session: Session, data: Json) -> None:
        self.session, self.data, self.problems = session, data, []
        self.terms = term_map(data)
        self.ids = {key: {o.get("id") for o in _objects(data, key)} for key in LISTS}

    def add(self, record: str, path: str, message: str) -> None:
        self.problems.append(Problem(record, path, message))

    def schemas(self, schema_dir: Path) -> dict[str, list[Json]]:
        """Objects that satisfy their official schema; the others are reported."""
        valid: dict[str, list[Json]] = defaultdict(list)
        for key, name in SCHEMAS.items():
            items = self.data.get(key, [])
            if not isinstance(items, list):
                self.add("file", key, "must be a list")
                continue
            validator, seen = schema_validator(schema_dir, name), set()
            for index, item in enumerate(items):
                record = _record(LISTS[key], item, index)
                errors = list(validator.iter_errors(item))
                for error in errors:
                    self.add(record, _path(error), error.message)
                if isinstance(item, dict) and item.get("id") in seen:
                    self.add(record, "id", "the same id appears twice")
                elif not errors:
                    valid[key].append(item)
                    seen.add(item.get("id"))
        return valid

    def term(self, item: Json) -> None:
        if not _known_term(item):
            self.add(f"taxonomy_term {item['id']}", "code", "not a term of our taxonomies")

    def organization(self, item: Json) -> None:
        record = f"organization {item['id']}"
        self.text(record, "name", item["name"], required=True)
        self.link(record, "website", item.get("website"))
        self.email(record, "email", item.get("email"))
        self.attributes(record, item, "organization", hsds.ORGANIZATION_FIELDS)
        self.metadata(record, item)

    def location(self, item: Json) -> None:
        record = f"location {item['id']}"
        self.text(record, "name", item.get("name", ""))
        self.link(record, "url", item.get("url"))
        if item.get("organization_id"):
            self.reference(record, "organization_id", item["organization_id"], Organization)
        for key in ("addresses", "accessibility"):
            if len(item.get(key, [])) > 1:
                self.add(record, key, "only one is kept per location: send one")
        for index, address in enumerate(item.get("addresses", [])):
            for name in ("address_1", "city", "state_province", "postal_code"):
                self.text(record, f"addresses[{index}].{name}", address.get(name, ""), name)
        self.attributes(record, item, "location", hsds.LOCATION_FIELDS)

    def service(self, item: Json) -> None:
        record = f"service {item['id']}"
        self.text(record, "name", item["name"], required=True)
        self.link(record, "url", item.get("url"))
        self.email(record, "email", item.get("email"))
        self.reference(record, "organization_id", item.get("organization_id"), Organization)
        self.moment(record, "assured_date", item.get("assured_date"), date.fromisoformat)
        self.moment(record, "last_modified", item.get("last_modified"), _aware)
        for index, phone in enumerate(item.get("phones", [])):
            path = f"phones[{index}]"
            if not PHONE.match(phone["number"]):
                self.add(record, f"{path}.number", "digits and hyphens only, # or + first")
            self.text(
                record, f"{path}.description", phone.get("description", ""), "description@phone"
            )
            self.attributes(record, phone, "phone", hsds.CHANNEL_FIELDS[1:], path)
        for index, schedule in enumerate(item.get("schedules", [])):
            self.schedule(record, f"schedules[{index}]", schedule)
        for index, area in enumerate(item.get("service_areas", [])):
            self.text(
                record,
                f"service_areas[{index}].name",
                area.get("name", ""),
                "name@service_area",
                required=True,
            )
            self.text(record, f"service_areas[{index}].extent_type", area.get("extent_type", ""))
        for index, language in enumerate(item.get("languages", [])):
            path = f"languages[{index}]"
            self.text(record, f"{path}.code", language.get("code", ""), required=True)
            self.text(record, f"{path}.name", language.get("name", ""), "name@language")
        self.attributes(record, item, "service", hsds.SERVICE_FIELDS)
        self.metadata(record, item)

    def schedule(self, record: str, path: str, item: Json) -> None:
        days = [day for day in item.get("byday", "").split(",") if day]
        if item.get("freq", "WEEKLY") != "WEEKLY" or item.get("interval", 1) != 1:
            self.add(record, f"{path}.freq", "only weekly opening hours can be stored")
        if any(day not in WEEKDAYS for day in days) or (item.get("freq") and not days):
            self.add(record, f"{path}.byday", "days as MO,TU,WE,TH,FR,SA,SU")
        for name in UNSUPPORTED_SCHEDULE:
            if name in item:
                self.add(record, f"{path}.{name}", "not supported: use valid_from and valid_to")
        for name in ("opens_at", "closes_at"):
            if name in item and not CLOCK.match(item[name]):
                self.add(record, f"{path}.{name}", "a time of day as HH:MM or HH:MM:SS")
            elif item.get("freq") and name not in item:
                self.add(record, f"{path}.{name}", "weekly hours need opening and closing times")
        if item.get("timezone", hsds.UTC_OFFSET) != hsds.UTC_OFFSET:
            self.add(record, f"{path}.timezone", "only Japan time (UTC+9) can be stored")
        for name in ("valid_from", "valid_to"):
            self.moment(record, f"{path}.{name}", item.get(name), date.fromisoformat)
        if item.get("valid_to", "9") < item.get("valid_from", "0"):
            self.add(record, f"{path}.valid_to", "ends before it begins")
        self.attributes(record, item, "schedule", hsds.SCHEDULE_FIELDS, path)

    def service_at_location(self, item: Json) -> None:
        record = f"service_at_location {item['id']}"
        self.reference(record, "service_id", item.get("service_id"), Service)
        self.reference(record, "location_id", item.get("location_id"), Location)

    def attributes(
        self, record: str, item: Json, entity: str, fields: Iterable[Field], path: str = ""
    ) -> None:
        """Each attribute must use a term we know, on the record it sits in, with a good value."""
        allowed = {f.code: f for f in fields}
        channels = {
            a["id"]
            for a in item.get("attributes", [])
            if self.terms.get(a.get("taxonomy_term_id", ""), ("",))[0] == hsds.CHANNEL_TAXONOMY
        }
        prefix = f"{path}." if path else ""
        for index, attr in enumerate(item.get("attributes", [])):
            where = f"{prefix}attributes[{index}]"
            taxonomy, code = self.terms.get(attr.get("taxonomy_term_id", ""), ("", ""))
            own = attr.get("link_id") == item["id"] and attr.get("link_entity") == entity
            on_channel = attr.get("link_entity") == "attribute" and attr.get("link_id") in channels
            if not taxonomy:
                self.add(record, f"{where}.taxonomy_term_id", "not a term of our taxonomies")
            elif not own and not (on_channel and code in ("channel_label", "channel_position")):
                self.add(record, f"{where}.link_id", f"must link to this {entity}")
            elif taxonomy != FIELD_TAXONOMY and entity != "service":
                self.add(record, f"{where}.taxonomy_term_id", "topics and channels are services'")
            elif taxonomy == hsds.CHANNEL_TAXONOMY:
                self.channel(record, f"{where}.value", code, attr.get("value", ""))
            elif taxonomy == FIELD_TAXONOMY:
                known = allowed.get(code) or (hsds.FIELDS[code] if on_channel else None)
                if known is None:
                    self.add(record, f"{where}.taxonomy_term_id", f"{code} is not kept here")
                else:
                    self.value(record, f"{where}.value", known, attr.get("value"))

    def channel(self, record: str, path: str, kind: str, value: str) -> None:
        if kind == "email":
            self.email(record, path, value or "-")
        elif kind in ("line", "sns") and ACCOUNT_ID.match(value):
            return
        elif kind == "in_person" and value and not SCHEME.match(value):
            self.text(record, path, value)
        else:
            self.link(record, path, value or "-")

    def value(self, record: str, path: str, known: Field, value: Any) -> None:
        text = value if isinstance(value, str) else ""
        checks = {
            "bool": text in ("true", "false"),
            "int": text.isascii() and text.isdigit() and len(text) < 10,
            "time": bool(CLOCK.match(text)),
            "datetime": _parses(text, _aware),
        }
        if not checks.get(known.kind, True) or value is None:
            self.add(record, path, f"not a valid {known.kind} for {known.code}")
        elif known.code in ("area", "cost", "audience_code"):
            choices = {"area": AREAS, "cost": COST_KINDS, "audience_code": AUDIENCES}[known.code]
            if text not in choices:
                self.add(record, path, f"{known.code} must be one of {', '.join(choices)}")
        elif known.code == "source_url":
            for source in text.split(" | "):
                if SCHEME.match(source) and not source.startswith(("https://", "http://")):
                    self.add(record, path, f"a source must be a web address, not {source[:40]}")
        else:
            self.text(record, path, text, known.code)

    def metadata(self, record: str, item: Json) -> None:
        for index, change in enumerate(item.get("metadata", [])):
            path = f"metadata[{index}]"
            if change.get("resource_id", item["id"]) != item["id"]:
                self.add(record, f"{path}.resource_id", "must be this record's id")
            self.moment(
                record, f"{path}.last_action_date", change["last_action_date"], _action_date
            )
            for name in ("last_action_type", "field_name", "updated_by"):
                self.text(record, f"{path}.{name}", change[name])

    def text(
        self, record: str, path: str, value: str, limit_key: str = "", required: bool = False
    ) -> None:
        limit = LIMITS.get(limit_key or path.rsplit(".", 1)[-1], 4000)
        if required and not value.strip():
            self.add(record, path, "must not be empty")
        elif len(value) > limit:
            self.add(record, path, f"longer than {limit} characters")

    def link(self, record: str, path: str, value: str | None) -> None:
        if value is None:
            return
        parts = urlsplit(value) if value.isprintable() and " " not in value else None
        if parts is None or parts.scheme != "https" or not parts.netloc or len(value) > 500:
            self.add(record, path, "only https:// addresses can be stored")

    def email(self, record: str, path: str, value: str | None) -> None:
        if value is not None and (not EMAIL.match(value) or len(value) > 254):
            self.add(record, path, "not an e-mail address")

    def moment(self, record: str, path: str, value: str | None, parse: Any) -> None:
        if value is not None and not _parses(value, parse):
            self.add(record, path, f"not a valid date{'-time' if parse is _aware else ''}")

    def reference(self, record: str, path: str, value: str | None, model: type) -> None:
        key = {Organization: "organizations", Service: "services", Location: "locations"}[model]
        if not value:
            self.add(record, path, "is required")
        elif value not in self.ids[key] and self.session.get(model, value) is None:
            self.add(record, path, f"no {LISTS[key]} with this id in the file or the directory")


def _objects(data: Json, key: str) -> list[Json]:
    items = data.get(key, [])
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def term_map(data: Json) -> dict[str, tuple[str, str]]:
    """Every term id a dataset may use: ours, and the file's terms of our taxonomies."""
    terms = {t["id"]: (t["taxonomy"], t["code"]) for t in hsds.builtin_terms()}
    terms.update((term_id(code), (TOPIC_TAXONOMY, code)) for code in TOPIC_BY_SLUG)
    for term in _objects(data, "taxonomy_terms"):
        if isinstance(term.get("id"), str) and _known_term(term):
            terms[term["id"]] = (term["taxonomy"], term["code"])
    return terms


def _known_term(term: Json) -> bool:
    known = {
        TOPIC_TAXONOMY: TOPIC_BY_SLUG,
        hsds.CHANNEL_TAXONOMY: hsds.CHANNEL_TERMS,
        FIELD_TAXONOMY: hsds.FIELDS,
    }.get(term.get("taxonomy", ""), {})
    return term.get("code") in known


def _record(table: str, item: Any, index: int) -> str:
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return f"{table} {item['id']}"
    return f"{table} #{index + 1}"


def _path(error: Any) -> str:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    missing = re.match(r"^'(.+)' is a required property$", error.message)
    if missing:
        path += f".{missing.group(1)}"
    return path.lstrip(".") or "(object)"


def _parses(value: str, parse: Any) -> bool:
    try:
        parse(value)
    except (TypeError, ValueError):
        return False
    return True


def _aware(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("no time zone")
    return parsed


def _action_date(value: str) -> datetime:
    """HSDS metadata keeps a day (the day in Japan); a full date-time is taken as it is."""
    if len(value) == 10:
        return datetime.combine(date.fromisoformat(value), time(), JAPAN).astimezone(UTC)
    return _aware(value).astimezone(UTC)


def _store(session: Session, data: Json) -> dict[str, int]:
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


Terms = dict[str, tuple[str, str]]


def _values(item: Json, terms: Terms, link_id: str | None = None) -> dict[str, list[str]]:
    """Our field values on a record (or on one of its channels), by field code."""
    found: dict[str, list[str]] = defaultdict(list)
    for attr in item.get("attributes", []):
        taxonomy, code = terms[attr["taxonomy_term_id"]]
        if taxonomy == FIELD_TAXONOMY and attr["link_id"] == (link_id or item["id"]):
            found[code].append(attr["value"])
    return found


def _apply_fields(
    record: Any, values: dict[str, list[str]], fields: Iterable[Field], internal: bool = True
) -> None:
    for known in fields:
        if known.internal and not internal:
            continue
        texts = values.get(known.code)
        if known.kind == "list":
            setattr(record, known.attr, sorted(set(texts or [])))
        elif texts:
            setattr(record, known.attr, _decode(known.kind, texts[-1]))
        elif known.kind != "datetime":  # absent times keep the database's own
            setattr(record, known.attr, known.default)


def _decode(kind: str, text: str) -> Any:
    if kind == "bool":
        return text == "true"
    if kind == "int":
        return int(text)
    if kind == "time":
        return time.fromisoformat(text)
    if kind == "datetime":
        return _aware(text).astimezone(UTC)
    return text


def _store_organization(session: Session, item: Json, terms: Terms, internal: bool) -> None:
    org = session.get(Organization, item["id"]) or Organization(id=item["id"])
    org.name, org.description = item["name"], item["description"]
    org.email, org.website = item.get("email", ""), item.get("website", "")
    _apply_fields(org, _values(item, terms), hsds.ORGANIZATION_FIELDS, internal)
    session.add(org)
    if internal and "metadata" in item:
        _store_history(session, item, "organization")


def _store_location(session: Session, item: Json, terms: Terms) -> None:
    location = session.get(Location, item["id"]) or Location(id=item["id"])
    address = (item.get("addresses") or [{}])[0]
    location.organization_id = item.get("organization_id")
    location.name, location.transportation = item.get("name", ""), item.get("transportation", "")
    location.latitude, location.longitude = item.get("latitude"), item.get("longitude")
    for name in ("address_1", "city", "state_province", "postal_code"):
        setattr(location, name, address.get(name, ""))
    location.accessibility = (item.get("accessibility") or [{}])[0].get("description", "")
    _apply_fields(location, _values(item, terms), hsds.LOCATION_FIELDS)
    session.add(location)


def _store_service(
    session: Session, item: Json, terms: Terms, topics: dict, internal: bool
) -> None:
    service = session.get(Service, item["id"]) or Service(id=item["id"])
    session.add(service)
    service.organization_id, service.name = item["organization_id"], item["name"]
    service.status = STATUS_FROM_HSDS[item["status"]]
    service.description, service.url = item.get("description", ""), item.get("url", "")
    service.email, service.audience = item.get("email", ""), item.get("eligibility_description", "")
    service.cost_note = item.get("fees_description", "")
    assured = item.get("assured_date")
    service.verified_at = date.fromisoformat(assured) if assured else None
    values = _values(item, terms)
    schedules, notes = _schedules(item, terms)
    if notes and "hours_note" not in values:
        values["hours_note"] = ["\n".join(notes)]
    _apply_fields(service, values, hsds.SERVICE_FIELDS, internal)
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
    service.topics = [topics[code] for code in sorted({c for t, c in found if t == TOPIC_TAXONOMY})]
    modified = item.get("last_modified")
    service.updated_at = _aware(modified).astimezone(UTC) if modified else utcnow()
    if internal and "metadata" in item:
        _store_history(session, item, "service")


def _channels(item: Json, terms: Terms) -> list[ContactChannel]:
    found = []
    for phone in item.get("phones", []):
        place = _values(phone, terms)
        found.append((place, "phone", phone["number"], phone.get("description", "")))
    for attr in item.get("attributes", []):
        taxonomy, kind = terms[attr["taxonomy_term_id"]]
        if taxonomy == hsds.CHANNEL_TAXONOMY:
            place = _values(item, terms, attr["id"])
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
            _apply_fields(schedule, _values(row, terms), hsds.SCHEDULE_FIELDS)
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
            last_action_date=_action_date(c["last_action_date"]),
            last_action_type=c["last_action_type"],
            field_name=c["field_name"],
            previous_value=c["previous_value"],
            replacement_value=c["replacement_value"],
            updated_by=c["updated_by"],
        )
        for c in item["metadata"]
    )
