"""Read HSDS 3.0 data into the directory: check everything first, then change all or nothing.

``import_dataset`` takes a dataset as ``directory.hsds.files`` reads it, or any shape other HSDS
publishers hand out (``directory.hsds.shapes``: one service or organisation, a page of an API
listing), checks all of it (``directory.hsds.validate``) and stores it only if there is no
problem at all (``directory.hsds.store``). With ``lenient``, what we cannot hold is first left
out or converted, each change noted (``directory.hsds.lenient``); the rest is checked and stored
the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from directory.hsds.lenient import relax
from directory.hsds.lenient_terms import OtherTerm, store_other_terms
from directory.hsds.lenient_values import Note
from directory.hsds.rules import Problem
from directory.hsds.shapes import partial_page, shape
from directory.hsds.store import store_dataset
from directory.hsds.validate import validate_dataset
from directory.hsds.vocabulary import Json, objects


@dataclass
class ImportReport:
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)  # what a lenient import left out or changed
    data: Any = None  # the dataset as checked (and stored, when ok)
    # Lenient: the other taxonomies' terms each service is filed under (``lenient_terms``).
    other_terms: dict[str, list[OtherTerm]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if not self.ok:
            return f"nothing imported: {len(self.problems)} problem(s)"
        return ", ".join(f"{count} {name}" for name, count in self.counts.items())


def import_dataset(
    session: Session,
    data: Any,
    *,
    schema_dir: Path | None = None,
    lenient: bool = False,
    skipped: Sequence[str] = (),
) -> ImportReport:
    """Check ``data`` (HSDS in any shape ``shapes`` knows) and store it.

    A file of no known shape, with no records, or (unless ``lenient``) one page of a listing of
    several raises ``shapes.ShapeError``. Nothing is written unless every check passes. The
    caller commits.
    """
    report = check_dataset(session, data, schema_dir=schema_dir, lenient=lenient, skipped=skipped)
    if report.ok:
        store_report(session, report)
    return report


def store_report(session: Session, report: ImportReport) -> None:
    """Store what a report checked, with the other taxonomies' terms a lenient one kept."""
    report.counts = store_dataset(session, report.data)
    if report.other_terms:
        terms = store_other_terms(session, report.other_terms)
        report.counts["terms of other taxonomies"] = terms


def check_dataset(
    session: Session,
    data: Any,
    *,
    schema_dir: Path | None = None,
    lenient: bool = False,
    skipped: Sequence[str] = (),
) -> ImportReport:
    """What ``import_dataset`` would store, checked, without writing anything."""
    shaped = shape(data)
    if not lenient and (refusal := partial_page(shaped)):
        raise refusal
    data, notes, others = hoist_nested(shaped.data), [], {}
    if lenient:
        data, found, others = relax(session, data, skipped)
        notes = found.items
        if shaped.page and shaped.page[1] > 1:
            number, pages = shaped.page
            imported = f"page {number} of {pages}: only this page's records are imported"
            notes.insert(0, Note("file", "contents", imported))
    problems = validate_dataset(session, data, schema_dir=schema_dir)
    return ImportReport(problems, notes=notes, data=data, other_terms=others)


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
