"""The parts of a service or location a lenient import keeps: areas, languages, an address.

Each takes what fits our columns (``lenient_values.Notes.text``) and notes what it leaves out.
"""

from __future__ import annotations

from directory.hsds.lenient_values import LINKS, Notes
from directory.hsds.vocabulary import Json

ADDRESS_KEPT = (
    "id",
    "address_1",
    "city",
    "state_province",
    "postal_code",
    "country",
    "address_type",
)
# The schema requires both; our export writes these.
ADDRESS_DEFAULTS = (("country", "JP"), ("address_type", "physical"))


def area(notes: Notes, record: str, index: int, item: Json) -> Json:
    path = f"service_areas[{index}]"
    for key in sorted(set(item) - {"id", "name", "extent_type"} - LINKS):
        notes.left_out(record, f"{path}.{key}", item[key])
    named = item.get("name") or item.get("description") or "地域"
    kept = {
        "id": item["id"],
        "name": notes.text(record, f"{path}.name", named, "name@service_area"),
    }
    extent = notes.text(record, f"{path}.extent_type", item.get("extent_type"))
    if extent:
        kept["extent_type"] = extent
    return kept


def language(notes: Notes, record: str, index: int, item: Json) -> Json:
    path = f"languages[{index}]"
    for key in sorted(set(item) - {"id", "code", "name", "note"} - LINKS):
        notes.left_out(record, f"{path}.{key}", item[key])
    kept = {"id": item["id"], "code": notes.text(record, f"{path}.code", item.get("code")) or "und"}
    name = notes.text(record, f"{path}.name", item.get("name"), "name@language")
    note = notes.text(record, f"{path}.note", item.get("note"))
    kept |= {key: value for key, value in (("name", name), ("note", note)) if value}
    return kept


def address(notes: Notes, record: str, item: Json) -> Json:
    kept = {key: item[key] for key in ADDRESS_KEPT if key in item}
    for key, value in ADDRESS_DEFAULTS:
        if not kept.get(key):
            kept[key] = value
            notes.add(record, f"addresses[0].{key}", f"not given: taken as {value}")
    if item.get("address_2"):
        kept["address_1"] = f"{item.get('address_1', '')} {item['address_2']}".strip()
        notes.add(record, "addresses[0].address_2", "joined to address_1")
    for key in ("address_1", "city", "state_province", "postal_code"):
        kept[key] = notes.text(record, f"addresses[0].{key}", kept.get(key, "")) or ""
    for key in sorted(set(item) - set(ADDRESS_KEPT) - {"address_2"} - LINKS):
        notes.left_out(record, f"addresses[0].{key}", item[key])
    return kept
