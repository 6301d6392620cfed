"""The content version: one number in the database that changes whenever public content does.

The public site's page cache (`public_site.page_cache`) puts it in every key, so a change made
in the back office, a CLI import or the demo loader (another process, often another machine)
retires every cached page at once, whichever cache each process holds.

What counts as public content is what the public role may read: every table marked
``info["public"] == "read"`` (directory, search index, card designs and batches, the
municipality profile, and any table marked later). Two session events watch them, registered on
every `Session` when this module is imported (`core.profile` imports it, and every process
does that):

- ``after_flush``: an ORM flush that adds, changes or deletes an instance of such a table;
- ``do_orm_execute``: a Core INSERT, UPDATE or DELETE on such a table run through a session
  (the bulk writes of the search reindex, the demo loaders and benchmarks).

Either adds one to the version in the same transaction, so the new version is committed with
the change it announces and never seen before it. Each commit of such a change also adds one to
a counter in this process (`local_changes`), so a cache in the same process (the combined app,
tests) need not wait to read the database again. Card scans are not public content (their
table is a counter, not ``"read"``), so counting one clears nothing.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from sqlalchemy import Connection, Integer, Table, event, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, object_mapper
from sqlalchemy.orm.exc import UnmappedInstanceError

from core.db import Base

ROW_ID = 1
CHANGED = "tsunagu.content_changed"
_local_changes = 0


class ContentVersion(Base):
    """A single row (id 1); a missing row reads as version 0 and is made by the first bump."""

    __tablename__ = "content_version"
    __table_args__ = {"info": {"public": "read"}}  # noqa: RUF012

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, default=0)


TABLE: Table = ContentVersion.__table__  # type: ignore[assignment]


def read_version(connection: Connection) -> int:
    """The current version: one read by primary key."""
    found = connection.scalar(select(TABLE.c.version).where(TABLE.c.id == ROW_ID))
    return int(found or 0)


def bump(connection: Connection) -> None:
    """Add one to the version, in the caller's transaction (the row is made if missing)."""
    dialect = connection.dialect.name
    make = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = make(TABLE).values(id=ROW_ID, version=1)
    statement = statement.on_conflict_do_update(
        index_elements=[TABLE.c.id], set_={"version": TABLE.c.version + 1}
    )
    connection.execute(statement)


def local_changes() -> int:
    """How many commits of this process changed public content (any number that moves)."""
    return _local_changes


def _bump_in(session: Session) -> None:
    bump(session.connection())
    session.info[CHANGED] = True


def is_public_table(table: Any) -> bool:
    # Compared by name: an ORM statement holds an annotated copy of the table.
    return (
        isinstance(table, Table) and table.info.get("public") == "read" and table.name != TABLE.name
    )


def _is_public_instance(instance: object) -> bool:
    try:
        mapper = object_mapper(instance)
    except UnmappedInstanceError:
        return False
    return any(is_public_table(table) for table in mapper.tables)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: object) -> None:
    # Still the lists of before the flush here, as the event promises.
    dirty = (o for o in session.dirty if session.is_modified(o))
    if any(_is_public_instance(o) for o in chain(session.new, dirty, session.deleted)):
        _bump_in(session)


@event.listens_for(Session, "do_orm_execute")
def _bulk_write(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    if is_public_table(getattr(state.statement, "table", None)):
        _bump_in(state.session)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    global _local_changes
    if session.info.pop(CHANGED, False):
        _local_changes += 1


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(CHANGED, None)
