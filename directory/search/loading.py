"""Loading the services of a result page: their summaries, kept in the index.

A runner reads the summaries with the ids where it can (`Runner.found`): then a page takes no
query of its own. Otherwise they are read here, in one query.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import suppress
from typing import Any

from sqlalchemy import ScalarSelect, Text, bindparam, cast, select
from sqlalchemy.orm import Session

from directory.models import Service
from directory.search.index import ServiceSearchText
from directory.search.summaries import (
    ServiceSummary,
    build_summaries,
    summary_from,
    summary_from_json,
)

log = logging.getLogger(__name__)
_INDEX = ServiceSearchText.__table__
_SERVICE = Service.__table__


def status_of_row() -> ScalarSelect[str]:
    """The status of an index row's service, for a runner to read with the row's summary."""
    return select(_SERVICE.c.status).where(_SERVICE.c.id == _INDEX.c.service_id).scalar_subquery()


# Through the tables, not the ORM: a page reads ten small JSON documents and maps nothing;
# as text, which `summary_from_json` parses once per text.
# The status is read, not filtered on in SQL (SQLite would walk its index, nearly every row):
# a row the index still holds for a service no longer published is never shown.
_SUMMARIES = (
    select(_INDEX.c.service_id, cast(_INDEX.c.summary, Text), _SERVICE.c.status)
    .join(_SERVICE, _SERVICE.c.id == _INDEX.c.service_id)
    .where(_INDEX.c.service_id.in_(bindparam("ids", expanding=True)))
)
# Service id → its stored summary and its status. The summary as JSON text, or decoded where
# reading it as text would cost more (PostgreSQL converts JSON to text row by row, before a
# sort: see `directory.search.postgres`).
Found = Mapping[str, tuple[str | dict[str, Any] | None, str]]


def load_services(
    session: Session, ids: list[str], found: Found | None = None
) -> list[ServiceSummary]:
    """The summaries of the published services of ``ids`` that the index holds, in that order.

    ``found``: summaries and statuses a runner has read already; the others are read here.

    A row indexed before summaries existed, or with a summary of an older shape, has its
    summary built from the tables instead, and a warning is logged: `tsunagu init` stores the
    missing ones, `directory reindex` rebuilds every summary.
    """
    if not ids:
        return []
    read = {i: found[i] for i in ids if found and i in found}
    missing = [i for i in ids if i not in read]
    if missing:
        rows = session.execute(_SUMMARIES, {"ids": missing})
        read |= {row.service_id: (row.summary, row.status) for row in rows}
    stored = {i: read[i][0] for i in ids if i in read and read[i][1] == "published"}
    summaries: dict[str, ServiceSummary] = {}
    for service_id, document in stored.items():
        with suppress(KeyError, TypeError, ValueError):  # built again below
            summaries[service_id] = (
                summary_from_json(service_id, document)
                if isinstance(document, str)
                else summary_from(service_id, document)
            )
    rebuild = [i for i in stored if i not in summaries]
    if rebuild:
        log.warning("search: %d summaries built per query; run `directory reindex`", len(rebuild))
        for service_id, document in build_summaries(session, rebuild).items():
            summaries[service_id] = summary_from(service_id, document)
    return [summaries[i] for i in ids if i in summaries]
