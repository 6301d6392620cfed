"""Rebuilding index rows from the services (`directory.search.rows` lays them out)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from directory.models import Service
from directory.readings_texts import store_every_reading, store_service_readings
from directory.search.documents import service_documents
from directory.search.fts_tables import drop_fts_triggers, ensure_fts, optimize_fts
from directory.search.index import ServiceSearchText, doc_id_for
from directory.search.rows import index_row
from directory.search.summaries import build_summaries
from directory.search.synonyms import group_keys

BATCH = 500
# From this many rows written at once (a full reindex, an import), SQLite's FTS5 segments are
# merged afterwards (`fts_tables.optimize_fts`); a staff edit of a few services leaves them be.
OPTIMIZE_FROM = 1000


def reindex(session: Session, services: Iterable[Service | str] | None = None) -> int:
    """Rebuild the index rows of the given services (objects or ids), or of all of them.

    Drafts, archived and deleted services lose their row. Returns how many rows were written.
    Runs in the caller's transaction, after flushing it, so it sees the edits just made. The
    readings of the services' texts are stored too (`directory.readings_texts`); rebuilding
    every service computes every reading afresh.
    """
    session.flush()
    dialect = session.get_bind().dialect.name
    sqlite = dialect == "sqlite"
    if services is None:
        if sqlite:  # one FTS5 rebuild at the end is far faster than upkeep row by row
            drop_fts_triggers(session.connection())
        session.execute(delete(ServiceSearchText))
        ids = list(session.scalars(select(Service.id).order_by(Service.id)))
    else:
        if sqlite:
            ensure_fts(session.connection())
        ids = sorted({s if isinstance(s, str) else s.id for s in services})
    written, groups = 0, group_keys(session)
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        session.execute(delete(ServiceSearchText).where(ServiceSearchText.service_id.in_(batch)))
        summaries = build_summaries(session, batch)
        rows = [
            index_row(document, dialect, groups) | {"summary": summaries[document["id"]]}
            for document in service_documents(session, batch)
        ]
        if rows:
            _unique_doc_ids(session, rows)
            session.execute(insert(ServiceSearchText), rows)
        written += len(rows)
    if services is None:
        store_every_reading(session, ids)
    else:
        store_service_readings(session, ids)
    if sqlite:
        ensure_fts(session.connection())
        if written >= OPTIMIZE_FROM:
            optimize_fts(session.connection())
    return written


def reindex_organizations(session: Session, organization_ids: Iterable[str]) -> int:
    """Rebuild the rows of these organisations' services; returns how many were written.

    Services are found by, and their results show, their organisation's name.
    """
    ids = list(organization_ids)
    if not ids:
        return 0
    services = session.scalars(select(Service.id).where(Service.organization_id.in_(ids)))
    return reindex(session, list(services))


def fill_summaries(session: Session) -> int:
    """Build the missing summaries of index rows written before they existed; returns how many."""
    missing = list(
        session.scalars(
            select(ServiceSearchText.service_id).where(ServiceSearchText.summary.is_(None))
        )
    )
    sqlite = session.get_bind().dialect.name == "sqlite"
    if missing and sqlite:  # FTS upkeep is not needed for summaries: rebuilt once below instead
        drop_fts_triggers(session.connection())  # (older ones fired on any update)
    filled = 0
    for start in range(0, len(missing), BATCH):
        summaries = build_summaries(session, missing[start : start + BATCH])
        if summaries:  # one UPDATE by primary key, executed for every row
            rows = [{"service_id": i, "summary": summary} for i, summary in summaries.items()]
            session.execute(update(ServiceSearchText), rows)
        filled += len(summaries)
    if missing and sqlite:
        ensure_fts(session.connection())
    return filled


def _unique_doc_ids(session: Session, rows: list[dict[str, Any]]) -> None:
    taken = set(
        session.scalars(
            select(ServiceSearchText.doc_id).where(
                ServiceSearchText.doc_id.in_([row["doc_id"] for row in rows])
            )
        )
    )
    for row in rows:
        attempt = 0
        while row["doc_id"] in taken:
            attempt += 1
            row["doc_id"] = doc_id_for(*row["_order"], row["service_id"], attempt)
        taken.add(row["doc_id"])
        del row["_order"]
