"""Bind every encrypted value the ORM writes to the row it is written in.

``core.crypto`` encrypts a value with its row's primary key in the associated data, so it needs
that key when the statement is built. Two flush hooks, installed for every session when the keys
are configured, give it:

- before a flush, each new object of a class with encrypted columns gets its primary key from
  the database (PostgreSQL's sequence; on SQLite the next id under the write lock), so the
  INSERT already knows it;
- each encrypted value about to be written (new objects, changed attributes, column defaults)
  is wrapped as ``RowBound(value, primary key)``, and unwrapped again once the flush is over, so
  the application only ever sees its plaintext.

Writes that bypass the ORM's unit of work (bulk ``insert(...)`` with a list of rows) wrap their
values themselves and name their ids; ``sync_id_sequences`` then moves PostgreSQL's sequences
past the ids given.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Column, Table, event, false, func, inspect, select, text, update
from sqlalchemy.orm import Mapper, Session

_PENDING = "tsunagu.row_bound_values"  # session.info: (state, key, plaintext) to put back


@dataclass(frozen=True)
class RowBound:
    """A value on its way into an encrypted column, with the primary key of its row.

    Bulk Core writes wrap each value themselves: ``{"id": 7, "summary": RowBound(text, 7)}``.
    """

    value: Any = field(repr=False)
    row_id: int | str


def install_row_binding() -> None:
    """Listen on every session (idempotent): called when the data keys are configured."""
    for name, listener in (
        ("before_flush", _bind_before_flush),
        ("after_flush_postexec", _unwrap),
        ("after_soft_rollback", _unwrap),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def sync_id_sequences(session: Session, tables: Iterable[Table]) -> None:
    """After inserting rows with explicit ids, move PostgreSQL's sequences past them."""
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite takes max(id) + 1 each time
    for table in tables:
        key = _primary_key(table)
        session.execute(
            text("SELECT setval(pg_get_serial_sequence(:table, :column), :last)"),
            {"table": table.name, "column": key.name, "last": _max_id(session, key) or 1},
        )


def _bind_before_flush(session: Session, _context: Any, _instances: Any) -> None:
    new = [obj for obj in session.new if _encrypted(inspect(obj).mapper)]
    _give_ids(session, new)
    pending = session.info.setdefault(_PENDING, [])
    for obj in (*new, *session.dirty):
        state = inspect(obj)
        columns = _encrypted(state.mapper)
        if not columns or state.deleted:
            continue
        row_id = state.mapper.primary_key_from_instance(obj)[0]
        for key, column in columns:
            if state.key is None and key not in state.dict and column.default is not None:
                state.dict[key] = _default_value(column)  # so the default is bound too
            elif state.key is not None and key not in state.committed_state:
                continue  # unchanged: not written
            value = state.dict.get(key)
            if value is not None and not isinstance(value, RowBound):
                state.dict[key] = RowBound(value, row_id)
                pending.append((state, key, value))


def _unwrap(session: Session, *_args: Any) -> None:
    for state, key, value in session.info.pop(_PENDING, ()):
        if isinstance(state.dict.get(key), RowBound):
            state.dict[key] = value


def _give_ids(session: Session, objects: list[Any]) -> None:
    """Primary keys for new rows before their INSERT, from the database that will hold them."""
    waiting: dict[Table, list[Any]] = defaultdict(list)
    for obj in objects:
        mapper = inspect(obj).mapper
        if mapper.primary_key_from_instance(obj)[0] is None:
            waiting[mapper.local_table].append(obj)  # type: ignore[index]
    for table, group in waiting.items():
        key = _primary_key(table)
        for obj, row_id in zip(group, _next_ids(session, key, len(group)), strict=True):
            setattr(obj, inspect(obj).mapper.get_property_by_column(key).key, row_id)


def _next_ids(session: Session, key: Column[Any], count: int) -> list[int]:
    if session.get_bind().dialect.name == "postgresql":
        statement = text(
            "SELECT nextval(pg_get_serial_sequence(:table, :column)) FROM generate_series(1, :n)"
        )
        params = {"table": key.table.name, "column": key.name, "n": count}
        return list(session.scalars(statement, params))
    # SQLite: a write that changes nothing takes the database's write lock, held until the
    # transaction ends, so no other writer can take the same ids between this read and the
    # INSERT. SQLite serialises writers anyway; this only takes the lock a moment earlier.
    session.execute(update(key.table).where(false()).values({key.name: key}))
    first = (_max_id(session, key) or 0) + 1
    return list(range(first, first + count))


def _max_id(session: Session, key: Column[Any]) -> int | None:
    return session.scalar(select(func.max(key)))


def _primary_key(table: Table) -> Column[Any]:
    keys = list(table.primary_key)
    if len(keys) != 1:
        raise TypeError(f"{table.name}: an encrypted column needs a one-column primary key")
    return keys[0]


@cache
def _encrypted(mapper: Mapper[Any]) -> tuple[tuple[str, Column[Any]], ...]:
    """(attribute key, column) of each encrypted column the class maps."""
    return tuple(
        (mapper.get_property_by_column(column).key, column)
        for column in mapper.columns
        if getattr(column.type, "binds_to_row", False)
    )


def _default_value(column: Column[Any]) -> Any:
    default = column.default
    if default.is_callable:  # type: ignore[union-attr]
        return default.arg(None)  # type: ignore[union-attr,operator]
    return default.arg  # type: ignore[union-attr]
