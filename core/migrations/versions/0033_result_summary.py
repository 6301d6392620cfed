"""search: the index rows' result cards are called result summaries

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-08

`service_search.card` becomes `service_search.summary` (`directory.search.summaries`): "card"
names the printed guidance cards alone. Values stay as they are.

Renamed in place on both databases (``ALTER TABLE ... RENAME COLUMN``; SQLite has it since
3.25), not by a batch copy of the table: SQLite keeps the FTS5 tables' triggers on
`service_search` (`directory.search.fts_tables`; none of them names the column), which a copy
would drop until the next reindex. On PostgreSQL the public role's view of the table would
keep the old column name: it is dropped first, and `db roles --apply` makes it again.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _rename("card", "summary")


def downgrade() -> None:
    _rename("summary", "card")


def _rename(old: str, new: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP VIEW IF EXISTS public_read.service_search")
    op.alter_column("service_search", old, new_column_name=new)
