"""The export's files, and reading them back: one JSON document, or a tabular datapackage.

The JSON document is UTF-8 with sorted keys and a two-space indent, every list sorted by id
(``directory.hsds.dataset`` describes what it holds). The tabular form is an HSDS datapackage:
``datapackage.json`` (the official resource descriptors of the tables written) and one CSV per
table, rows sorted by id, columns in the official order; nested objects are found again through
their ids (``directory.hsds.tabular``). Either can be a folder or a .zip. A cell a spreadsheet
would run as a formula is written with a leading apostrophe, which reading takes away again.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from core.csvsafe import neutralise
from directory.hsds.schemas import official_package
from directory.hsds.sources import FolderPackage, UnreadableFileError, read_json_file
from directory.hsds.tabular import NESTED, read_tabular
from directory.hsds.vocabulary import LISTS, Json
from directory.hsds.zipped import ZipPackage


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
    """A number as it is; text a spreadsheet would run as a formula gets a leading '.

    The reader (``directory.hsds.tabular``) takes the apostrophe away again, so a phone number
    such as +81-772-69-0000 reads back exactly, and shows as text rather than a sum in Excel.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return neutralise(value)


def read_dataset(path: Path) -> tuple[Json, list[str]]:
    """A JSON document, or a datapackage (folder or .zip); with its rows that point nowhere.

    A file that cannot be read, or is larger, deeper or elsewhere than ``directory.hsds.limits``
    allows, raises ``UnreadableFileError`` (``directory.hsds.sources``): one line that names it.
    """
    try:
        if path.is_dir():
            return read_tabular(FolderPackage(path))
        if path.suffix.lower() == ".zip":
            with ZipPackage(path) as package:
                return read_tabular(package)
        return read_json_file(path), []
    except OSError as error:  # not allowed to read it, or gone while being read
        name = Path(error.filename).name if error.filename else path.name
        raise UnreadableFileError(f"{name}: cannot be read ({error.strerror or error})") from None
