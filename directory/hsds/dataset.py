"""The directory as one HSDS 3.0 dataset: what ``directory export`` writes and the import reads.

Layout (written by ``directory.hsds.files``)::

    {"hsds_version": "3.0", "profile": "...", "scope": "complete" | "public",
     "organizations": [...], "services": [...], "locations": [...],
     "service_at_locations": [...], "taxonomies": [...], "taxonomy_terms": [...]}

Services are full HSDS services without their organization or locations nested (those are in
their own lists, linked by id). ``complete`` holds every service whatever its publication state,
with staff-only fields and the change history; ``public`` holds exactly what the public API
shows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory.hsds import serialize
from directory.hsds.vocabulary import HSDS_VERSION, PROFILE_URI, Json
from directory.models import (
    ChangeRecord,
    Location,
    Organization,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)
from directory.taxonomy import topic_terms

FULL_SERVICE = (  # what serialize.service_to_hsds reads of a service, loaded up front
    selectinload(Service.channels),
    selectinload(Service.schedules),
    selectinload(Service.service_areas),
    selectinload(Service.languages),
    selectinload(Service.topics),
    selectinload(Service.organization),
    selectinload(Service.service_at_locations).selectinload(ServiceAtLocation.location),
)
History = Mapping[str, Sequence[ChangeRecord]]  # resource id -> its change records


def export_dataset(session: Session, *, public: bool = False) -> Json:
    """Everything (``complete``), or only what the public API shows (``public``)."""
    statement = select(Service).options(*FULL_SERVICE).order_by(Service.id)
    services = list(
        session.scalars(statement.where(Service.status == "published") if public else statement)
    )
    organizations = {s.organization.id: s.organization for s in services}
    if not public:
        organizations.update((o.id, o) for o in session.scalars(select(Organization)))
    locations = {sal.location.id: sal.location for s in services for sal in s.service_at_locations}
    if not public:
        locations.update((loc.id, loc) for loc in session.scalars(select(Location)))
    return build_dataset(
        services,
        organizations.values(),
        locations.values(),
        topic_terms(session),
        public=public,
        history=None if public else _history(session),
    )


def build_dataset(
    services: Sequence[Service],
    organizations: Iterable[Organization],
    locations: Iterable[Location],
    topics: Iterable[TaxonomyTerm],
    *,
    public: bool = False,
    history: History | None = None,
) -> Json:
    """Records, stored or not, as a dataset; services in the order given (the export's: by id).

    A ``complete`` dataset (not ``public``) holds the staff-only fields, and the change history
    when ``history`` is given: without it, an import of the dataset leaves the history alone.
    """
    internal = not public

    def changes(record_id: str) -> Sequence[ChangeRecord] | None:
        return None if history is None else history.get(record_id, [])

    links = [sal for s in services for sal in s.service_at_locations]
    return {
        "hsds_version": HSDS_VERSION,
        "profile": PROFILE_URI,
        "scope": "public" if public else "complete",
        "organizations": _by_id(
            serialize.organization_to_hsds(o, internal=internal, metadata=changes(o.id))
            for o in organizations
        ),
        "services": [
            serialize.service_to_hsds(s, internal=internal, metadata=changes(s.id))
            for s in services
        ],
        "locations": _by_id(map(serialize.location_to_hsds, locations)),
        "service_at_locations": _by_id(
            serialize.service_at_location_to_hsds(sal, nested=False) for sal in links
        ),
        "taxonomies": serialize.taxonomy_to_hsds(),
        "taxonomy_terms": serialize.taxonomy_terms_to_hsds(topics),
    }


def all_terms(session: Session) -> list[Json]:
    """Our topic terms from the database, and the channel and field terms from code."""
    return serialize.taxonomy_terms_to_hsds(topic_terms(session))


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
