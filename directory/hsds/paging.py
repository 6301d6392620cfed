"""What the HSDS API lists: published records only, a page at a time, in the HSDS page wrapper.

Organisations are the active ones that run a published service; an archived organisation runs
none (staff edits and the import refuse it), so its services are never listed either.

Lists are ordered by id; with ``search``, services come in the directory search's order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from directory.hsds.dataset import FULL_SERVICE, all_terms
from directory.hsds.serialize import taxonomy_to_hsds
from directory.hsds.vocabulary import CHANNEL_TAXONOMY, CHANNEL_TERMS, JAPAN, Json, term_id
from directory.models import ContactChannel, Organization, Service, ServiceAtLocation, TaxonomyTerm
from directory.search.query import MAX_PAGE, SearchQuery
from directory.search.query import MAX_PER_PAGE as SEARCH_PER_PAGE
from directory.search.results import search_services

PER_PAGE, MAX_PER_PAGE, MAX_PAGE_NUMBER = 50, 200, 100_000


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
    return (value if value.tzinfo else value.replace(tzinfo=JAPAN)).astimezone(UTC)


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
    kinds = [k for k in CHANNEL_TERMS if term_id(CHANNEL_TAXONOMY, k) == term]
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
    """Active organisations with a published service (an archived one never has any)."""
    statement = select(Organization).where(
        Organization.status == "active", Organization.services.any(Service.status == "published")
    )
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
    return _in_memory_page(_matching(taxonomy_to_hsds(), query), query, every)


def taxonomy_term_page(session: Session, query: ListQuery, *, every: bool = False) -> Page:
    terms = _matching(all_terms(session), query)
    if query.taxonomy_id:
        terms = [term for term in terms if term.get("taxonomy_id") == query.taxonomy_id]
    return _in_memory_page(terms, query, every)


def _matching(items: list[Json], query: ListQuery) -> list[Json]:
    words = query.search.casefold()
    return [i for i in items if words in f"{i.get('name')} {i.get('description')}".casefold()]
