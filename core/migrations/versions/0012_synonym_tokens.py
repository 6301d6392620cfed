"""search: synonym groups as tokens, and one narrow GIN-indexed row per service (PostgreSQL)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27

Each index row lists the synonym groups whose words its texts hold and carries a token for
each, so that a query word with synonyms is one token to look up instead of every synonym's
bigrams (`directory.search.synonym_tokens`).

On PostgreSQL, `grams` now holds the name's tokens too (marked), so that every condition of a
search is answered by its GIN index alone (`directory.search.postgres`): the index on
`name_grams` goes, and every long value moves to TOAST, so that the rows a search visits are
small. The new column is NULL in every row written before: `tsunagu init` then rewrites those
rows' tokens in the new layout (`refresh_synonym_tokens`); meanwhile search finds less.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("service_search", sa.Column("synonym_tokens", sa.Text(), nullable=True))
    op.drop_index("ix_service_search_name_grams", table_name="service_search")
    if op.get_bind().dialect.name == "postgresql":
        # Rows of a few dozen bytes: ids, doc_id and pointers to the values kept apart.
        op.execute("ALTER TABLE service_search SET (toast_tuple_target = 128)")
        op.execute("ALTER TABLE service_search ALTER COLUMN name_grams SET STORAGE EXTENDED")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE service_search SET (toast_tuple_target = 512)")
        op.execute("ALTER TABLE service_search ALTER COLUMN name_grams SET STORAGE MAIN")
    op.create_index(
        "ix_service_search_name_grams",
        "service_search",
        ["name_grams"],
        unique=False,
        postgresql_using="gin",
        sqlite_where=sa.text("0"),
    )
    with op.batch_alter_table("service_search") as batch:
        batch.drop_column("synonym_tokens")
