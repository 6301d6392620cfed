"""What the HSDS API and the export read, and the export's file formats.

Export layout (one JSON document, UTF-8, keys sorted, two-space indent, every list sorted by id)::

    {"hsds_version": "3.0", "profile": "...", "scope": "complete" | "public",
     "organizations": [...], "services": [...], "locations": [...],
     "service_at_locations": [...], "taxonomies": [...], "taxonomy_terms": [...]}

Services are full HSDS services without their organization or locations nested (those are in
their own lists, linked by id). ``complete`` holds every service whatever its publication state,
with staff-only fields and the change history; ``public`` holds exactly what the public API
shows. The tabular form is an HSDS datapackage: ``datapackage.json`` (the official resource
descriptors of the tables written) and one CSV per table, rows sorted by id, columns in the
official order; nested objects are found again through their ids.
"""

from __future__ import annotations

import csv
import io
import json
import math
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from directory import hsds
from directory.hsds import Json
from directory.models import (
    ChangeRecord,
    ContactChannel,
    Location,
    Organization,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)
from directory.search import MAX_PAGE, SearchQuery, search_services
from directory.search import MAX_PER_PAGE as SEARCH_PER_PAGE

LISTS = {  # top-level list -> HSDS table
    "organizations": "organization",
    "services": "service",
    "locations": "location",
    "service_at_locations": "service_at_location",
    "taxonomies": "taxonomy",
    "taxonomy_terms": "taxonomy_term",
}
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
PER_PAGE, MAX_PER_PAGE, MAX_PAGE_NUMBER = 50, 200, 100_000
FULL_SERVICE = (
    selectinload(Service.channels),
    selectinload(Service.schedules),
    selectinload(Service.service_areas),
    selectinload(Service.languages),
    selectinload(Service.topics),
    selectinload(Service.organization),
    selectinload(Service.service_at_locations).selectinload(ServiceAtLocation.location),
)


class QueryError(ValueError):
    """A query parameter the API cannot use; the message says which and why."""


@dataclass(frozen=True)
class ListQuery:
    page: int = 1
    per_page: int = PER_PAGE
    search: str = ""
    taxonomy_term_id: str = ""
    taxonomy_id: str = ""
    organization_id: str = ""
    modified_after: datetime | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> ListQuery:
        return cls(
            page=_number(args, "page", 1),
            per_page=min(_number(args, "per_page", PER_PAGE), MAX_PER_PAGE),
            search=args.get("search", "").strip()[:200],
            taxonomy_term_id=args.get("taxonomy_term_id", "").strip()[:36],
            taxonomy_id=args.get("taxonomy_id", "").strip()[:36],
            organization_id=args.get("organization_id", "").strip()[:36],
            modified_after=parse_modified_after(args.get("modified_after", "")),
        )


def _number(args: Mapping[str, str], name: str, default: int) -> int:
    text = args.get(name, "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_PAGE_NUMBER):
        raise QueryError(
            f"{name} must be a whole number from 1 to {MAX_PAGE_NUMBER}, not {text[:20]!r}"
        )
    return int(text)


def parse_modified_after(text: str) -> datetime | None:
    """An ISO date or date-time; without a time zone it is read as Japan time."""
    text = text.strip()
    if not text:
        return None
    if "T" in text and text.count(" ") == 1:
        text = text.replace(" ", "+")  # a "+09:00" sent unencoded arrives as a space
    try:
        value = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise QueryError(
            f"modified_after must be an ISO 8601 date or date-time, not {text[:40]!r}"
        ) from None
    return (value if value.tzinfo else value.replace(tzinfo=hsds.JAPAN)).astimezone(UTC)


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    query: ListQuery

    def to_hsds(self, contents: list[Json]) -> Json:
        """The HSDS page wrapper around the items, already turned into HSDS objects."""
        pages = max(1, math.ceil(self.total / self.query.per_page))
        return {
            "total_items": self.total,
            "total_pages": pages,
            "page_number": self.query.page,
            "size": len(contents),
            "first_page": self.query.page == 1,
            "last_page": self.query.page >= pages,
            "empty": not contents,
            "contents": contents,
        }


def _page(session: Session, statement: Select, query: ListQuery, every: bool) -> Page:
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    if not every:
        statement = statement.limit(query.per_page).offset((query.page - 1) * query.per_page)
    return Page(list(session.scalars(statement)), total, query)


def _in_memory_page(items: list[Json], query: ListQuery, every: bool) -> Page:
    start = (query.page - 1) * query.per_page
    return Page(items if every else items[start : start + query.per_page], len(items), query)


def _published_services(query: ListQuery, ids: list[str] | None = None) -> Select:
    statement = select(Service).where(Service.status == "published")
    if ids is not None:
        statement = statement.where(Service.id.in_(ids))
    if query.organization_id:
        statement = statement.where(Service.organization_id == query.organization_id)
    if query.modified_after is not None:
        statement = statement.where(Service.updated_at >= query.modified_after)
    if query.taxonomy_term_id:
        statement = statement.where(_has_term(query.taxonomy_term_id))
    return statement


def _has_term(term: str) -> Any:
    """Topic terms are stored; channel terms stand for the kind of a contact channel."""
    kinds = [k for k in hsds.CHANNEL_TERMS if hsds.term_id(hsds.CHANNEL_TAXONOMY, k) == term]
    if kinds:
        return Service.channels.any(ContactChannel.kind == kinds[0])
    return Service.topics.any(TaxonomyTerm.id == term)


def _search_ids(session: Session, text: str) -> list[str]:
    """Every published service the directory search finds for ``text``, best first."""
    found: list[str] = []
    for page in range(1, MAX_PAGE + 1):
        query = SearchQuery(text=text, page=page, per_page=SEARCH_PER_PAGE)
        result = search_services(session, query, now=datetime.now(UTC))
        found += [service.id for service in result.items]
        if page >= result.pages:
            break
    return found


def service_page(session: Session, query: ListQuery, *, every: bool = False) -> Page:
    """Published services by id; with ``search``, in the directory search's order."""
    if not query.search:
        statement = _published_services(query).order_by(Service.id).options(*FULL_SERVICE)
        return _page(session, statement, query, every)
    ranked = _search_ids(session, query.search)
    allowed = set(session.scalars(_published_services(query, ranked).with_only_columns(Service.id)))
    ids = [service_id for service_id in ranked if service_id in allowed]
    start = (query.page - 1) * query.per_page
    chosen = ids if every else ids[start : start + query.per_page]
    loaded = session.scalars(_published_services(query, chosen).options(*FULL_SERVICE))
    by_id = {service.id: service for service in loaded}
    return Page([by_id[i] for i in chosen if i in by_id], len(ids), query)


def published_service(session: Session, service_id: str) -> Service | None:
    if len(service_id) > 36:  # longer than any id we store
        return None
    statement = _published_services(ListQuery()).where(Service.id == service_id)
    return session.scalar(statement.options(*FULL_SERVICE))


def _published_organizations(query: ListQuery) -> Select:
    statement = select(Organization).where(Organization.services.any(Service.status == "published"))
    if query.search:
        words = query.search
        statement = statement.where(
            Organization.name.icontains(words, autoescape=True)
            | Organization.description.icontains(words, autoescape=True)
        )
    return statement.order_by(Organization.id)


def organization_page(session: Session, query: ListQuery, *, every: bool = False) -> Page:
    return _page(session, _published_organizations(query), query, every)


def published_organization(
    session: Session, organization_id: str
) -> tuple[Organization, list[Service]] | None:
    """An organization with a published service, and those services (never the others)."""
    if len(organization_id) > 36:
        return None
    statement = _published_organizations(ListQuery())
    organization = session.scalar(statement.where(Organization.id == organization_id))
    if organization is None:
        return None
    query = ListQuery(organization_id=organization.id)
    return organization, list(session.scalars(_published_services(query).order_by(Service.id)))


def service_at_location_page(session: Session, query: ListQuery, *, every: bool = False) -> Page:
    ids = _search_ids(session, query.search) if query.search else None
    services = _published_services(query, ids).with_only_columns(Service.id)
    statement = (
        select(ServiceAtLocation)
        .where(ServiceAtLocation.service_id.in_(services))
        .options(selectinload(ServiceAtLocation.location))
        .order_by(ServiceAtLocation.id)
    )
    return _page(session, statement, query, every)


def taxonomy_page(query: ListQuery, *, every: bool = False) -> Page:
    return _in_memory_page(_matching(hsds.taxonomy_to_hsds(), query), query, every)


def taxonomy_term_page(session: Session, query: ListQuery, *, every: bool = False) -> Page:
    terms = _matching(all_terms(session), query)
    if query.taxonomy_id:
        terms = [term for term in terms if term.get("taxonomy_id") == query.taxonomy_id]
    return _in_memory_page(terms, query, every)


def all_terms(session: Session) -> list[Json]:
    return hsds.taxonomy_terms_to_hsds(session.scalars(select(TaxonomyTerm)))


def _matching(items: list[Json], query: ListQuery) -> list[Json]:
    words = query.search.casefold()
    return [i for i in items if words in f"{i.get('name')} {i.get('description')}".casefold()]


def export_dataset(session: Session, *, public: bool = False) -> Json:
    """Everything (``complete``), or only what the public API shows (``public``)."""
    statement = select(Service).options(*FULL_SERVICE).order_by(Service.id)
    services = list(
        session.scalars(statement.where(Service.status == "published") if public else statement)
    )
    history = _history(session) if not public else {}
    organizations = {s.organization.id: s.organization for s in services}
    if not public:
        organizations.update((o.id, o) for o in session.scalars(select(Organization)))
    links = [sal for s in services for sal in s.service_at_locations]
    locations = {sal.location.id: sal.location for sal in links}
    if not public:
        locations.update((loc.id, loc) for loc in session.scalars(select(Location)))
    internal = not public
    return {
        "hsds_version": hsds.HSDS_VERSION,
        "profile": hsds.PROFILE_URI,
        "scope": "public" if public else "complete",
        "organizations": _by_id(
            hsds.organization_to_hsds(o, internal=internal, metadata=history.get(o.id, []))
            for o in organizations.values()
        ),
        "services": [
            hsds.service_to_hsds(s, internal=internal, metadata=history.get(s.id, []))
            for s in services
        ],
        "locations": _by_id(map(hsds.location_to_hsds, locations.values())),
        "service_at_locations": _by_id(
            hsds.service_at_location_to_hsds(sal, nested=False) for sal in links
        ),
        "taxonomies": hsds.taxonomy_to_hsds(),
        "taxonomy_terms": all_terms(session),
    }


def _history(session: Session) -> dict[str, list[ChangeRecord]]:
    found: dict[str, list[ChangeRecord]] = defaultdict(list)
    statement = select(ChangeRecord).where(
        ChangeRecord.resource_type.in_(("service", "organization"))
    )
    for record in session.scalars(statement.order_by(ChangeRecord.id)):
        found[record.resource_id].append(record)
    return found


def _by_id(items: Iterable[Json]) -> list[Json]:
    return sorted(items, key=lambda item: item["id"])


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
    official = {r["name"]: r for r in _official_package(schema_dir)["resources"]}
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


def _official_package(schema_dir: Path) -> Json:
    return json.loads((schema_dir / "datapackage.json").read_text(encoding="utf-8"))


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
        "hsds_version": package.get("hsds_version", hsds.HSDS_VERSION),
        "profile": hsds.PROFILE_URI,
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
            item[key] = hsds.canonical(found, "metadata")
        elif found or (table == "service" and key in ALWAYS_LISTED):
            item[key] = hsds.canonical(found, key)
    return item
