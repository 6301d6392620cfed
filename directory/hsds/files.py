"""The export's files, and reading them back: one JSON document, or a tabular datapackage.

The JSON document is UTF-8 with sorted keys and a two-space indent, every list sorted by id
(``directory.hsds.dataset`` describes what it holds). The tabular form is an HSDS datapackage:
``datapackage.json`` (the official resource descriptors of the tables written) and one CSV per
table, rows sorted by id, columns in the official order; nested objects are found again through
their ids. Either can be a folder or a .zip.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from directory.hsds.schemas import official_package
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


def dumps(data: Json) -> str:
    """The export's fixed formatting, so the same data always gives the same bytes."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def write_export(data: Json, path: Path, *, tabular: bool, schema_dir: Path) -> None:
    """Write the JSON document, or with ``tabular`` a datapackage (a folder, or a .zip)."""
    if not tabular:
        path.write_text(dumps(data), encoding="utf-8")
        return
    files = tabular_files(data, schema_dir)
    if path.suffix == ".zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in files.items():  # a fixed date keeps the archive reproducible
                archive.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), content)
        return
    path.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (path / name).write_text(content, encoding="utf-8", newline="")


def tabular_files(data: Json, schema_dir: Path) -> dict[str, str]:
    """``datapackage.json`` and one CSV per table, as file name -> text."""
    official = {r["name"]: r for r in official_package(schema_dir)["resources"]}
    tables: dict[str, list[Json]] = {table: [] for table in _tables(data)}
    for key, table in LISTS.items():
        for item in data.get(key, []):
            _flatten(item, table, tables)
    files = {}
    for table, rows in sorted(tables.items()):
        columns = [field["name"] for field in official[table]["schema"]["fields"]]
        out = io.StringIO()
        writer = csv.DictWriter(out, columns, lineterminator="\r\n")
        writer.writeheader()
        for row in sorted(rows, key=lambda r: r["id"]):
            writer.writerow({key: _cell(value) for key, value in row.items()})
        files[official[table]["path"]] = out.getvalue()
    package = {
        "name": "tsunagu-directory",
        "profile": "tabular-data-package",
        "hsds_version": data["hsds_version"],
        "tsunagu_scope": data["scope"],
        "resources": [official[table] for table in sorted(tables)],
    }
    return {"datapackage.json": dumps(package), **files}


def _tables(data: Json) -> list[str]:
    tables = [
        *LISTS.values(),
        "phone",
        "schedule",
        "service_area",
        "language",
        "attribute",
        "address",
        "accessibility",
    ]
    return tables + (["metadata"] if data.get("scope") == "complete" else [])


def _flatten(item: Json, table: str, tables: dict[str, list[Json]]) -> None:
    nested = NESTED.get(table, {})
    for key, child in nested.items():
        for value in item.get(key, []):
            _flatten(value, child, tables)
    tables[table].append({k: v for k, v in item.items() if k not in nested})


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def read_dataset(path: Path) -> tuple[Json, list[str]]:
    """A JSON document, or a datapackage (folder or .zip); with what could not be read."""
    if path.is_dir():
        return read_tabular(lambda name: (path / name).read_text(encoding="utf-8"))
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            names = {Path(n).name: n for n in archive.namelist()}
            return read_tabular(lambda name: archive.read(names.get(name, name)).decode("utf-8"))
    try:
        return json.loads(path.read_text(encoding="utf-8")), []
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return {}, [f"{path.name}: not a JSON document ({error})"]


def read_tabular(read: Callable[[str], str]) -> tuple[Json, list[str]]:
    """Nest a datapackage's rows again: every child finds its parent through its id."""
    try:
        package = json.loads(read("datapackage.json"))
        tables = {r["name"]: _rows(r, read(r["path"])) for r in package["resources"]}
    except (KeyError, OSError, TypeError, ValueError) as error:
        return {}, [f"datapackage: cannot be read ({error})"]
    children, problems = _children(tables), []
    known = {(table, str(row.get("id"))) for table, rows in tables.items() for row in rows}
    for (parent, parent_id, table), rows in children.items():
        if (parent, parent_id) not in known or table not in NESTED.get(parent, {}).values():
            problems += [
                f"{table} {row.get('id')}: links to {parent} {parent_id}, which is not"
                " in the package"
                for row in rows
            ]
    data: Json = {
        "hsds_version": package.get("hsds_version", HSDS_VERSION),
        "profile": PROFILE_URI,
        "scope": package.get("tsunagu_scope", "public"),
    }
    for key, table in LISTS.items():
        data[key] = [
            _nest(row, table, children, "metadata" in tables) for row in tables.get(table, [])
        ]
    return data, problems


def _rows(resource: Json, text: str) -> list[Json]:
    fields = {f["name"]: f for f in resource["schema"]["fields"]}
    rows = []
    for raw in csv.DictReader(io.StringIO(text)):
        row: Json = {}
        for name, value in raw.items():
            field = fields.get(name or "", {})
            if value or field.get("constraints", {}).get("required"):
                row[name] = _typed(value or "", field.get("type"))
        rows.append(row)
    return rows


def _typed(value: str, kind: str | None) -> Any:
    if kind not in ("number", "integer") or not value:
        return value
    try:
        number = float(value)
    except ValueError:
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
