"""Re-encrypt stored values: onto a new data key (``keys rotate``), and onto their rows.

Both work on the tables directly (Core ``select``/``update`` of the stored text, never through
the column type), in primary-key order and in batches, so no ORM object is loaded and memory
stays flat however large a table is. Each value is decrypted and encrypted again bound to its
column and row, under the active key. Values written before rows were bound (``v1``) are read
with their column alone, once, by migration 0017 or by ``keys rotate``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, MetaData, Table, Text, bindparam, not_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import type_coerce

from core.crypto import (
    LEGACY_VERSION,
    VERSION,
    EncryptedString,
    current_keyring,
    decrypt,
    decrypt_legacy,
    encrypt,
)
from core.db import Base

ROTATION_BATCH = 500


def encrypted_columns(metadata: MetaData) -> list[tuple[Table, str]]:
    """Every (table, column name) whose type is ``EncryptedString``, in a stable order."""
    return [
        (table, column.name)
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedString)
    ]


def rotate_encrypted_values(
    session: Session, metadata: MetaData | None = None, *, batch_size: int = ROTATION_BATCH
) -> dict[str, int]:
    """Re-encrypt under the active key every value still under another; counts per column."""
    # Resolved at call time: Base.metadata holds only the models imported by then.
    metadata = Base.metadata if metadata is None else metadata
    done = f"{VERSION}.{current_keyring().active_id}."
    return {
        f"{table.name}.{name}": reencrypt_column(
            session.connection(), table, name, skip_prefix=done, batch_size=batch_size
        )
        for table, name in encrypted_columns(metadata)
    }


def reencrypt_column(
    connection: Connection,
    table: Table,
    name: str,
    *,
    skip_prefix: str,
    context: str | None = None,
    batch_size: int = ROTATION_BATCH,
) -> int:
    """Encrypt again every value of ``table.name`` not starting with ``skip_prefix``."""
    column = table.c[name]
    context = context or column.type.context  # type: ignore[attr-defined]
    [key] = list(table.primary_key)
    # Read and write the stored text as it is: the column type would decrypt or encrypt it.
    stored = type_coerce(column, Text())
    query = (
        select(key, stored)
        .where(stored.is_not(None), not_(stored.startswith(skip_prefix, autoescape=True)))
        .order_by(key)
        .limit(batch_size)
    )
    write = (
        update(table)
        .where(key == bindparam("row_id"))
        .values({name: bindparam("new_value", type_=Text())})
    )
    count, last = 0, None
    while True:
        rows = connection.execute(query if last is None else query.where(key > last)).all()
        changes = [_change(row_id, value, context) for row_id, value in rows]
        if changes:
            connection.execute(write, changes)
            count += len(changes)
        if len(rows) < batch_size:
            return count
        last = rows[-1][0]


def _change(row_id: Any, stored: str, context: str) -> dict[str, Any]:
    if stored.startswith(f"{LEGACY_VERSION}."):
        plaintext = decrypt_legacy(stored, context)
    else:
        plaintext = decrypt(stored, context, row_id)
    return {"row_id": row_id, "new_value": encrypt(plaintext, context, row_id)}
