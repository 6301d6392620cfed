"""training: the notes and follow-up action texts encrypted and bound to their rows

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07

An exchange meeting may discuss a case, so `training.notes` and `training_action.text` are
encrypted like a case's free text (``core.crypto``, bound to table, column and row). The action
text becomes unbounded text, as its ciphertext is longer than the 500 characters the form still
allows. Values already stored are encrypted here.

Encrypting needs the data keys, which are never in the database: run it as
``flask --app wsgi tsunagu init`` (the app configures the keys before migrating). On a database
holding no training record yet, nothing needs them. Downgrading is refused once values are
encrypted: restore the backup taken before the upgrade instead.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core import crypto

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("training.notes", "training_action.text")  # each one's context is "table.column"


def upgrade() -> None:
    with op.batch_alter_table("training_action", schema=None) as batch_op:
        batch_op.alter_column("text", existing_type=sa.String(length=500), type_=sa.Text())
    bind = op.get_bind()
    tables = _tables(bind)
    if not _holds_values(bind, tables):
        return
    if not crypto.keys_configured():
        raise RuntimeError(
            "migration 0032 encrypts the training notes and needs the data keys: run it as "
            "`flask --app wsgi tsunagu init` with TSUNAGU_DATA_KEYS set"
        )
    for context in COLUMNS:
        table_name, name = context.split(".")
        table = tables[table_name]
        column = table.c[name]
        rows = bind.execute(
            sa.select(table.c.id, column).where(
                column.is_not(None), sa.not_(column.startswith(f"{crypto.VERSION}."))
            )
        ).all()
        for row_id, plaintext in rows:
            bind.execute(
                sa.update(table)
                .where(table.c.id == row_id)
                .values({name: crypto.encrypt(plaintext, context, row_id)})
            )


def downgrade() -> None:
    bind = op.get_bind()
    if _holds_values(bind, _tables(bind)):
        raise RuntimeError(
            "revision 0032 cannot be undone on a database holding encrypted training notes: "
            "restore the backup taken before the upgrade"
        )
    with op.batch_alter_table("training_action", schema=None) as batch_op:
        batch_op.alter_column("text", existing_type=sa.Text(), type_=sa.String(length=500))


def _tables(bind: sa.Connection) -> dict[str, sa.Table]:
    metadata = sa.MetaData()
    names = {context.split(".")[0] for context in COLUMNS}
    return {name: sa.Table(name, metadata, autoload_with=bind) for name in names}


def _holds_values(bind: sa.Connection, tables: dict[str, sa.Table]) -> bool:
    for context in COLUMNS:
        table, name = context.split(".")
        column = tables[table].c[name]
        if bind.scalar(sa.select(column).where(column.is_not(None)).limit(1)) is not None:
            return True
    return False
