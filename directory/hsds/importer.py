"""Read HSDS 3.0 data into the directory: check everything first, then change all or nothing.

``import_dataset`` takes a dataset as ``directory.hsds.files`` reads it (or as the API shows
services: organizations and locations nested in them), checks all of it
(``directory.hsds.validate``) and stores it only if there is no problem at all
(``directory.hsds.store``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from directory.hsds.rules import Problem
from directory.hsds.store import store_dataset
from directory.hsds.validate import validate_dataset
from directory.hsds.vocabulary import Json, objects


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
    """Check ``data`` (an HSDS dataset) and store it.

    Nothing is written unless every check passes. The caller commits.
    """
    data = hoist_nested(data)
    problems = validate_dataset(session, data, schema_dir=schema_dir)
    if problems:
        return ImportReport(problems)
    return ImportReport(counts=store_dataset(session, data))


def hoist_nested(data: Any) -> Any:
    """Organizations and locations nested in services, as the API shows them, join the lists."""
    if not isinstance(data, dict):
        return data
    services = objects(data, "services")
    links = [sal for s in services for sal in _listed(s.get("service_at_locations"))]
    nested = {
        "organizations": [s.get("organization") for s in services],
        "service_at_locations": links,
        "locations": [sal.get("location") for sal in links + objects(data, "service_at_locations")
                      if isinstance(sal, dict)],
    }  # fmt: skip
    data = dict(data)
    for key, found in nested.items():
        items = data.get(key, [])
        if not isinstance(items, list):
            continue  # reported by the schema check
        known = {item["id"] for item in _listed(items)}
        extra = {item["id"]: item for item in _listed(found) if item.get("id") not in known}
        data[key] = [*items, *extra.values()]
    return data


def _listed(items: Any) -> list[Json]:
    if not isinstance(items, list):
        return []
    return [item for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)]
