"""Read a tabular datapackage back into one nested dataset: every child finds its parent by id.

The package (``directory.hsds.sources.FolderPackage`` or ``directory.hsds.zipped.ZipPackage``)
reads its files within their limits; here each CSV is parsed within ours (cell size, rows,
number length), and the apostrophe our export puts before a formula-like value is taken away
again (``core.csvsafe``), so a file we wrote reads back exactly.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from core.csvsafe import unneutralise
from directory.hsds.limits import MAX_CSV_FIELD_CHARS, MAX_CSV_ROWS, MAX_MEMBERS, MAX_NUMBER_CHARS
from directory.hsds.sources import UnreadableFileError, load_json
from directory.hsds.vocabulary import HSDS_VERSION, LISTS, PROFILE_URI, Json, canonical

NESTED = {  # table -> {key of a nested list: table of its items}
    "organization": {"attributes": "attribute", "metadata": "metadata"},
    "service": {
        "phones": "phone",
        "schedules": "schedule",
        "service_areas": "service_area",
        "languages": "language",
        "attributes": "attribute",
        "metadata": "metadata",
    },
    "phone": {"attributes": "attribute"},
    "schedule": {"attributes": "attribute"},
    "location": {
        "addresses": "address",
        "accessibility": "accessibility",
        "attributes": "attribute",
    },
}
ALWAYS_LISTED = ("phones", "schedules", "service_areas", "languages", "attributes")
NUMBER = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$")


class Package(Protocol):
    def where(self, name: str) -> str: ...

    def read(self, name: Any) -> str: ...


def read_tabular(package: Package) -> tuple[Json, list[str]]:
    """The dataset, and the rows that point at a parent the package does not hold."""
    index = package.where("datapackage.json")
    manifest = load_json(package.read("datapackage.json"), index)
    rows = _Rows()
    try:
        resources = manifest["resources"]
        if len(resources) > MAX_MEMBERS:
            raise UnreadableFileError(
                f"{index}: {len(resources):,} resources; the limit is {MAX_MEMBERS}"
            )
        with _field_limit():
            tables = {r["name"]: rows.read(r, package) for r in resources}
        data = _nested(manifest, tables)
    except (KeyError, TypeError, AttributeError) as error:
        raise UnreadableFileError(
            f"{index}: not an HSDS datapackage ({type(error).__name__}: {error})"
        ) from None
    return data, _orphans(tables)


def _nested(manifest: Json, tables: dict[str, list[Json]]) -> Json:
    children = _children(tables)
    data: Json = {
        "hsds_version": manifest.get("hsds_version", HSDS_VERSION),
        "profile": PROFILE_URI,
        "scope": manifest.get("tsunagu_scope", "public"),
    }
    for key, table in LISTS.items():
        data[key] = [
            _nest(row, table, children, "metadata" in tables) for row in tables.get(table, [])
        ]
    return data


def _orphans(tables: dict[str, list[Json]]) -> list[str]:
    known = {(table, str(row.get("id"))) for table, rows in tables.items() for row in rows}
    problems = []
    for (parent, parent_id, table), rows in _children(tables).items():
        if (parent, parent_id) not in known or table not in NESTED.get(parent, {}).values():
            problems += [
                f"{table} {row.get('id')}: links to {parent} {parent_id}, which is not"
                " in the package"
                for row in rows
            ]
    return problems


@contextmanager
def _field_limit() -> Iterator[None]:
    """The csv module's cell limit is the process's: set for this read, then put back."""
    previous = csv.field_size_limit(MAX_CSV_FIELD_CHARS)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


class _Rows:
    """Reads each table's rows, counting rows of all tables against ``MAX_CSV_ROWS``."""

    def __init__(self) -> None:
        self.count = 0

    def read(self, resource: Json, package: Package) -> list[Json]:
        fields = {f["name"]: f for f in resource["schema"]["fields"]}
        text = package.read(resource["path"])
        where = package.where(resource["path"])
        reader = csv.DictReader(io.StringIO(text))
        rows = []
        try:
            for raw in reader:
                self.count += 1
                if self.count > MAX_CSV_ROWS:
                    raise UnreadableFileError(
                        f"{where}: more than {MAX_CSV_ROWS:,} rows in the package, the limit"
                    )
                rows.append(self._row(raw, fields, f"{where}: line {reader.line_num}"))
        except csv.Error as error:
            reason = str(error)
            if "field limit" in reason:
                reason = f"a cell longer than {MAX_CSV_FIELD_CHARS:,} characters, the limit"
            line = reader.line_num + 1
            raise UnreadableFileError(f"{where}: near line {line}: {reason}") from None
        return rows

    def _row(self, raw: dict[str | None, Any], fields: dict[str, Json], where: str) -> Json:
        if None in raw:
            raise UnreadableFileError(f"{where}: more cells than the header has columns")
        row: Json = {}
        for name, cell in raw.items():
            field = fields.get(name or "", {})
            value = unneutralise(cell or "")
            if value or field.get("constraints", {}).get("required"):
                row[name] = _typed(value, field.get("type"), f"{where}, {name}")
        return row


def _typed(value: str, kind: str | None, where: str) -> Any:
    if kind not in ("number", "integer") or not value:
        return value
    if len(value) > MAX_NUMBER_CHARS:
        raise UnreadableFileError(
            f"{where}: a number {len(value):,} characters long; the limit is {MAX_NUMBER_CHARS}"
        )
    number = float(value) if NUMBER.match(value) else math.nan
    if not math.isfinite(number):
        return value  # left as text: schema validation names the field
    return int(number) if number.is_integer() and "." not in value else number


def _children(tables: dict[str, list[Json]]) -> dict[tuple[str, str, str], list[Json]]:
    """Child rows by (parent table, parent id); attributes on a channel go to its service."""
    parent_of = {
        "phone": "service_id",
        "schedule": "service_id",
        "service_area": "service_id",
        "language": "service_id",
        "address": "location_id",
        "accessibility": "location_id",
    }
    children: dict[tuple[str, str, str], list[Json]] = defaultdict(list)
    for table, key in parent_of.items():
        parent = "location" if key == "location_id" else "service"
        for row in tables.get(table, []):
            children[(parent, str(row.get(key, "")), table)].append(row)
    for row in tables.get("metadata", []):
        children[(row.get("resource_type", ""), row.get("resource_id", ""), "metadata")].append(row)
    owners = {a["id"]: a.get("link_id", "") for a in tables.get("attribute", [])}
    for row in tables.get("attribute", []):
        entity, link = row.get("link_entity", ""), row.get("link_id", "")
        if entity == "attribute":  # a channel's label or position: kept with the service
            entity, link = "service", owners.get(link, "")
        children[(entity, link, "attribute")].append(row)
    return children


def _nest(row: Json, table: str, children: dict, with_metadata: bool) -> Json:
    item = dict(row)
    for key, child in NESTED.get(table, {}).items():
        found = [
            _nest(r, child, children, with_metadata)
            for r in children.get((table, str(row.get("id")), child), [])
        ]
        if key == "metadata" and with_metadata:
            item[key] = canonical(found, "metadata")
        elif found or (table == "service" and key in ALWAYS_LISTED):
            item[key] = canonical(found, key)
    return item
