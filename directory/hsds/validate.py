"""Check an HSDS 3.0 dataset before anything of it is stored.

Every object is checked against the official JSON schemas (Draft 2020-12, through a
``referencing`` registry over the schema files: ``directory.hsds.schemas``), then against our own
rules (``directory.hsds.rules``): taxonomy terms are ones we know, records point at records that
exist in the file or the directory, schedules are weekly hours Japan time, and every value fits.
Each problem names its record and field.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.hsds.rules import CLOCK, PHONE, Problem, ValueChecks, action_date, aware
from directory.hsds.schemas import SCHEMAS, default_schema_dir, schema_validator
from directory.hsds.vocabulary import (
    CHANNEL_FIELDS,
    CHANNEL_TAXONOMY,
    FIELD_TAXONOMY,
    FIELDS,
    LISTS,
    LOCATION_FIELDS,
    ORGANIZATION_FIELDS,
    SCHEDULE_FIELDS,
    SERVICE_FIELDS,
    TAXONOMIES,
    UTC_OFFSET,
    WEEKDAYS,
    Field,
    Json,
    known_term,
    objects,
    term_id,
    term_map,
)
from directory.models import Location, Organization, Service

UNSUPPORTED_SCHEDULE = ("dtstart", "until", "count", "byweekno", "bymonthday", "byyearday")
STATUS_TERM = term_id(FIELD_TAXONOMY, "organization_status")
MESSAGE_CHARS = 200


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
        if item["name"] not in TAXONOMIES:
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


class _Checker(ValueChecks):
    def __init__(self, session: Session, data: Json) -> None:
        super().__init__()
        self.session, self.data = session, data
        self.terms = term_map(data)
        # Only text ids count: any other id is the schema check's to report, not a crash here.
        self.ids = {key: {_id(o) for o in objects(data, key)} for key in LISTS}
        self.archived = {_id(o) for o in objects(data, "organizations") if _archived(o)}

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
                    self.add(record, _path(error), _shortened(error.message))
                if isinstance(item, dict) and _id(item) in seen:
                    self.add(record, "id", "the same id appears twice")
                elif not errors:
                    valid[key].append(item)
                    seen.add(_id(item))
        return valid

    def term(self, item: Json) -> None:
        if not known_term(item):
            self.add(f"taxonomy_term {item['id']}", "code", "not a term of our taxonomies")

    def organization(self, item: Json) -> None:
        record = f"organization {item['id']}"
        self.text(record, "name", item["name"], required=True)
        self.link(record, "website", item.get("website"))
        self.email(record, "email", item.get("email"))
        self.attributes(record, item, "organization", ORGANIZATION_FIELDS)
        self.metadata(record, item)
        if item["id"] in self.archived and self._published_elsewhere(item["id"]):
            self.add(record, "attributes", "archived, but a service of it in the directory is"
                     " published: unpublish it, or send it as inactive or defunct")  # fmt: skip

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
        self.attributes(record, item, "location", LOCATION_FIELDS)

    def service(self, item: Json) -> None:
        record = f"service {item['id']}"
        self.text(record, "name", item["name"], required=True)
        self.link(record, "url", item.get("url"))
        self.email(record, "email", item.get("email"))
        self.reference(record, "organization_id", item.get("organization_id"), Organization)
        if item.get("status") == "active" and self._is_archived(item.get("organization_id")):
            self.add(record, "status", "its organization is archived: it runs no active service")
        self.moment(record, "assured_date", item.get("assured_date"), date.fromisoformat)
        self.moment(record, "last_modified", item.get("last_modified"), aware)
        for index, phone in enumerate(item.get("phones", [])):
            path = f"phones[{index}]"
            if not PHONE.match(phone["number"]):
                self.add(record, f"{path}.number", "digits and hyphens only, # or + first")
            self.text(
                record, f"{path}.description", phone.get("description", ""), "description@phone"
            )
            self.attributes(record, phone, "phone", CHANNEL_FIELDS[1:], path)
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
        self.attributes(record, item, "service", SERVICE_FIELDS)
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
        if item.get("timezone", UTC_OFFSET) != UTC_OFFSET:
            self.add(record, f"{path}.timezone", "only Japan time (UTC+9) can be stored")
        for name in ("valid_from", "valid_to"):
            self.moment(record, f"{path}.{name}", item.get(name), date.fromisoformat)
        if item.get("valid_to", "9") < item.get("valid_from", "0"):
            self.add(record, f"{path}.valid_to", "ends before it begins")
        self.attributes(record, item, "schedule", SCHEDULE_FIELDS, path)

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
            if self.terms.get(a.get("taxonomy_term_id", ""), ("",))[0] == CHANNEL_TAXONOMY
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
            elif taxonomy == CHANNEL_TAXONOMY:
                self.channel(record, f"{where}.value", code, attr.get("value", ""))
            elif taxonomy == FIELD_TAXONOMY:
                known = allowed.get(code) or (FIELDS[code] if on_channel else None)
                if known is None:
                    self.add(record, f"{where}.taxonomy_term_id", f"{code} is not kept here")
                else:
                    self.value(record, f"{where}.value", known, attr.get("value"))

    def metadata(self, record: str, item: Json) -> None:
        for index, change in enumerate(item.get("metadata", [])):
            path = f"metadata[{index}]"
            if change.get("resource_id", item["id"]) != item["id"]:
                self.add(record, f"{path}.resource_id", "must be this record's id")
            self.moment(record, f"{path}.last_action_date", change["last_action_date"], action_date)
            for name in ("last_action_type", "field_name", "updated_by"):
                self.text(record, f"{path}.{name}", change[name])

    def _is_archived(self, organization_id: Any) -> bool:
        """Archived as the file says, or as the directory says of one the file leaves out."""
        if not isinstance(organization_id, str) or organization_id in self.ids["organizations"]:
            return organization_id in self.archived
        organization = self.session.get(Organization, organization_id)
        return organization is not None and organization.status == "archived"

    def _published_elsewhere(self, organization_id: str) -> bool:
        """A published service of the organisation in the directory that the file leaves out."""
        published = self.session.scalars(
            select(Service.id).where(
                Service.organization_id == organization_id, Service.status == "published"
            )
        )
        return any(service_id not in self.ids["services"] for service_id in published)

    def reference(self, record: str, path: str, value: str | None, model: type) -> None:
        key = {Organization: "organizations", Service: "services", Location: "locations"}[model]
        if not value:
            self.add(record, path, "is required")
        elif value not in self.ids[key] and self.session.get(model, value) is None:
            self.add(record, path, f"no {LISTS[key]} with this id in the file or the directory")


def _archived(organization: Json) -> bool:
    attributes = organization.get("attributes")
    return isinstance(attributes, list) and any(
        isinstance(a, dict) and a.get("taxonomy_term_id") == STATUS_TERM
        and a.get("value") == "archived"
        for a in attributes
    )  # fmt: skip


def _id(item: Json) -> str | None:
    return item["id"] if isinstance(item.get("id"), str) else None


def _record(table: str, item: Any, index: int) -> str:
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return f"{table} {item['id']}"
    return f"{table} #{index + 1}"


def _shortened(message: str) -> str:
    """The schema's message quotes the value: a huge value must not make a huge line."""
    return message if len(message) <= MESSAGE_CHARS else message[: MESSAGE_CHARS - 1] + "…"


def _path(error: Any) -> str:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    missing = re.match(r"^'(.+)' is a required property$", error.message)
    if missing:
        path += f".{missing.group(1)}"
    return path.lstrip(".") or "(object)"
