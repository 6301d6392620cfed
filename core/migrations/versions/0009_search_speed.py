"""search: a GIN index on the names' tokens (PostgreSQL)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27

With one query word, search reads its best matches (the word in a name, then a synonym in a
name or a whole topic name) in index order, only as far as the page needs; on PostgreSQL that
needs `name_grams` indexed. SQLite ranks through its FTS5 tables: there the index stays empty.
No reindex is needed: the column is already filled.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_service_search_name_grams",
        "service_search",
        ["name_grams"],
        unique=False,
        postgresql_using="gin",
        sqlite_where=sa.text("0"),
    )


def downgrade() -> None:
    op.drop_index("ix_service_search_name_grams", table_name="service_search")
