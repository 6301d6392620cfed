"""`directory import --lenient`: what Tsunagu can hold of another system's HSDS, the rest listed.

Strict import refuses a file that holds anything we cannot keep exactly. Another publisher's file
(the specification's own examples among them) holds fields we have no place for, http links,
phone numbers with spaces, hours in another time zone, its own taxonomies. ``relax`` makes a
copy that keeps what we can hold and lists, per record and field, what it left out or converted
(``lenient_values.Note``); the terms of other taxonomies its services are filed under come
apart, to be kept under their own taxonomy (``lenient_terms``). The copy then passes the same
checks and the same all-or-nothing store as a strict import; a record that still cannot be held
is refused with the rest.

A service from another system never arrives published: ``directory.hsds.store`` keeps it a
draft with its facts marked to be checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from directory.hsds import lenient_parts as parts
from directory.hsds.attributes import attribute, from_tsunagu
from directory.hsds.lenient_terms import OtherTaxonomies, OtherTerm
from directory.hsds.lenient_values import LINKS, Notes, japan_time
from directory.hsds.vocabulary import (
    FIELD_TAXONOMY,
    LISTS,
    TAXONOMIES,
    Json,
    Terms,
    term_id,
    term_map,
)
from directory.models import Location, Organization, Service

# Fields each record keeps as they are (the checks still apply); the rest are left out, noted.
KEPT = {
    "organization": {"id", "name", "description", "email", "website", "attributes", "metadata"},
    "service": {
        "id", "organization_id", "name", "description", "url", "email", "status",
        "eligibility_description", "fees_description", "assured_date", "last_modified",
        "phones", "schedules", "service_areas", "languages", "attributes", "metadata",
    },
    "location": {
        "id", "location_type", "organization_id", "name", "transportation", "latitude",
        "longitude", "addresses", "accessibility", "attributes",
    },
    "service_at_location": {"id", "service_id", "location_id"},
}  # fmt: skip
OWN_TOPICS = "no service of the file is filed under it"
# Nested records imported as records of their own (``shapes``, ``importer.hoist_nested``).
HOISTED = {"organization", "service_at_locations", "services", "locations", "service", "location"}
# Standard service fields kept in one of our fields, as written.
INTO_FIELDS = {"interpretation_services": "languages_note", "application_process": "contact_note"}


def relax(
    session: Session, data: Json, skipped: Sequence[str] = ()
) -> tuple[Json, Notes, dict[str, list[OtherTerm]]]:
    """A copy of ``data`` that Tsunagu can hold, the notes of what changed on the way, and the
    other taxonomies' terms each service is filed under (``lenient_terms.store_other_terms``)."""
    notes = Notes()
    for line in skipped:  # rows of a datapackage that point at nothing in it
        record, _, why = line.partition(": ")
        notes.add(record, "(link)", f"skipped: {why}")
    relaxer = _Relaxer(session, data, notes)
    out: Json = {key: data[key] for key in ("hsds_version", "profile", "scope") if key in data}
    for key, table in LISTS.items():
        items = [item for item in data.get(key, []) if isinstance(item, dict)]
        if table in ("taxonomy", "taxonomy_term"):
            out[key] = relaxer.terms(items, table)
        else:
            out[key] = [kept for item in items if (kept := relaxer.record(item, table))]
    kept = {service["id"] for service in out.get("services", [])}
    links = relaxer.others.links
    return out, notes, {sid: list(terms.values()) for sid, terms in links.items() if sid in kept}


class _Relaxer:
    def __init__(self, session: Session, data: Json, notes: Notes) -> None:
        self.session, self.notes, self.complete = session, notes, data.get("scope") == "complete"
        self.others = OtherTaxonomies(data, notes)
        self.known: Terms = term_map(data)
        self.ids = {
            table: {item.get("id") for item in data.get(key, []) if isinstance(item, dict)}
            for key, table in LISTS.items()
        }

    def terms(self, items: list[Json], table: str) -> list[Json]:
        kept = []
        for item in items:
            if table == "taxonomy_term":
                ours = item.get("id") in self.known
            else:
                ours = item.get("name") in TAXONOMIES
            record = f"{table} {item.get('id')}"
            if ours:
                kept.append(item)
            elif table == "taxonomy_term" and item.get("id") in self.others.used:
                self.notes.add(record, "(record)", "kept under its own taxonomy, for its services")
            elif table == "taxonomy" and self.others.taxonomy_named(item):
                self.notes.add(record, "(record)", "kept as its terms' taxonomy (the name only)")
            else:
                self.notes.left_out(record, "(record)", item.get("name"), OWN_TOPICS)
        return kept

    def record(self, item: Json, table: str) -> Json | None:
        record = f"{table} {item.get('id')}"
        out = {key: value for key, value in item.items() if key in KEPT[table]}
        for key in sorted(set(item) - KEPT[table] - HOISTED - set(INTO_FIELDS)):
            if item[key] not in (None, "", [], {}):
                self.notes.left_out(record, key, item[key])
        out["attributes"] = self.attributes(record, item, table)
        if "metadata" in item:
            out["metadata"] = self.metadata(record, item, table)
        if not getattr(self, table)(record, item, out):
            return None
        if not out["attributes"]:
            del out["attributes"]
        return out

    def organization(self, record: str, item: Json, out: Json) -> bool:
        out["name"] = self.notes.text(record, "name", item.get("name")) or ""
        out["description"] = self.notes.text(record, "description", item.get("description")) or ""
        link, text = self.notes.link(record, "website", item.get("website"))
        _set(out, "website", link)
        if text:
            out["description"] = f"{out['description']}\nウェブサイト: {text}".strip()
        _set(out, "email", self.notes.email(record, "email", item.get("email")))
        return True

    def service(self, record: str, item: Json, out: Json) -> bool:
        if not self._linked(record, out, "organization_id", Organization, required=True):
            return False
        for key in ("name", "description", "eligibility_description", "fees_description"):
            _set(out, key, self.notes.text(record, key, item.get(key)))
        link, text = self.notes.link(record, "url", item.get("url"))
        _set(out, "url", link)
        _set(out, "email", self.notes.email(record, "email", item.get("email")))
        extra = {code: item[key] for key, code in INTO_FIELDS.items() if item.get(key)}
        if text:
            extra["contact_note"] = f"{extra.get('contact_note', '')}\nウェブ: {text}".strip()
        for code, value in extra.items():
            self.notes.add(record, code, "kept in Tsunagu's own field of that name")
            term = term_id(FIELD_TAXONOMY, code)
            value = self.notes.text(record, code, value, "value") or ""
            out["attributes"].append(
                attribute(item["id"], "service", "extension", term, code, value)
            )
        if item.get("status") == "active" and not from_tsunagu(item, self.known):
            self.notes.add(
                record, "status", "active: stored as a draft, to be checked and published by staff"
            )
        phones = [self.notes.phone(record, f"phones[{i}]", p) for i, p in _indexed(item, "phones")]
        out["phones"] = [phone for phone in phones if phone]
        out["schedules"] = [
            japan_time(self.notes, record, f"schedules[{i}]", row)
            for i, row in _indexed(item, "schedules")
        ]
        out["service_areas"] = [
            parts.area(self.notes, record, i, a) for i, a in _indexed(item, "service_areas")
        ]
        out["languages"] = [
            parts.language(self.notes, record, i, x) for i, x in _indexed(item, "languages")
        ]
        return True

    def location(self, record: str, item: Json, out: Json) -> bool:
        out.setdefault("location_type", "physical")
        self._linked(record, out, "organization_id", Organization, required=False)
        out["name"] = self.notes.text(record, "name", item.get("name")) or ""
        _set(
            out,
            "transportation",
            self.notes.text(record, "transportation", item.get("transportation")),
        )
        lat, lon = item.get("latitude"), item.get("longitude")
        if (lat, lon) != (None, None) and not (_number(lat, 90) and _number(lon, 180)):
            self.notes.left_out(
                record, "latitude, longitude", f"{lat}, {lon}", "not a place on Earth"
            )
            out.pop("latitude", None), out.pop("longitude", None)
        addresses = _indexed(item, "addresses")
        if addresses:
            out["addresses"] = [parts.address(self.notes, record, addresses[0][1])]
        for index, extra in addresses[1:]:
            self.notes.left_out(
                record, f"addresses[{index}]", extra.get("address_1"), "one address a location"
            )
        rows = [row for _, row in _indexed(item, "accessibility")]
        if rows:
            text = "\n".join(
                str(row.get("description", "")) for row in rows if row.get("description")
            )
            out["accessibility"] = [{"id": rows[0]["id"], "description": text}]
            for index, row in enumerate(rows):
                for key in sorted(set(row) - {"id", "description"} - LINKS):
                    self.notes.left_out(record, f"accessibility[{index}].{key}", row[key])
        return True

    def service_at_location(self, record: str, item: Json, out: Json) -> bool:
        return self._linked(record, out, "service_id", Service, required=True) and self._linked(
            record, out, "location_id", Location, required=True
        )

    def attributes(self, record: str, item: Json, table: str) -> list[Json]:
        kept = []
        for index, attr in _indexed(item, "attributes"):
            if attr.get("taxonomy_term_id") in self.known and attr.get("link_id"):
                kept.append(attr)
                continue
            path = f"attributes[{index}]"
            if table == "service" and self.others.keep(record, path, item.get("id"), attr):
                continue
            term = attr.get("taxonomy_term") if isinstance(attr.get("taxonomy_term"), dict) else {}
            code = term.get("code") or term.get("name") or attr.get("taxonomy_term_id")
            named = f"{term.get('taxonomy', '?')} / {code}"
            self.notes.left_out(
                record, f"attributes[{index}]", f"{named} = {attr.get('value', '')}",
                "a term of another taxonomy: kept for services only",
            )  # fmt: skip
        return kept

    def metadata(self, record: str, item: Json, table: str) -> list[Json]:
        kept = []
        for index, change in _indexed(item, "metadata"):
            about = (change.get("resource_type", table), change.get("resource_id", item.get("id")))
            if about != (table, item.get("id")):
                named = f"{about[0]} {about[1]}" if "resource_id" in change else f"a {about[0]}"
                self.notes.add(
                    record, f"metadata[{index}]", f"skipped: it describes {named}, not this {table}"
                )
            elif not self.complete:
                self.notes.left_out(
                    record,
                    f"metadata[{index}]",
                    change.get("field_name"),
                    "another system's change history",
                )
            else:
                kept.append(change)
        return kept

    def _linked(self, record: str, out: Json, key: str, model: type, *, required: bool) -> bool:
        value = out.get(key)
        table = {Organization: "organization", Service: "service", Location: "location"}[model]
        if isinstance(value, str) and (value in self.ids[table] or self.session.get(model, value)):
            return True
        out.pop(key, None)
        if required:
            self.notes.add(
                record,
                "(record)",
                f"skipped: no {table} for it in the file or the directory ({key} {value})",
            )
        elif value is not None:
            self.notes.left_out(
                record, key, value, f"no {table} with this id in the file or the directory"
            )
        return False


def _indexed(item: Json, key: str) -> list[tuple[int, Json]]:
    """The objects of a nested list that have an id (the schema requires one)."""
    items = item.get(key)
    if not isinstance(items, list):
        return []
    return [
        (i, x) for i, x in enumerate(items) if isinstance(x, dict) and isinstance(x.get("id"), str)
    ]


def _set(out: Json, key: str, value: Any) -> None:
    if value in (None, ""):
        out.pop(key, None)
    else:
        out[key] = value


def _number(value: Any, bound: int) -> bool:
    return (
        isinstance(value, int | float) and not isinstance(value, bool) and -bound <= value <= bound
    )
