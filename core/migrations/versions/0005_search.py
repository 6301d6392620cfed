"""directory search index

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27

On SQLite the FTS5 tables over ``service_search`` are created by
``directory.search_index.ensure_fts`` at the first reindex (their shadow tables cannot be
described by the models); downgrading drops them with the table they index.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "service_search",
        sa.Column("service_id", sa.String(length=36), nullable=False),
        sa.Column("doc_id", sa.BigInteger(), nullable=False),
        sa.Column("name_text", sa.Text(), nullable=False),
        sa.Column("topic_text", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column(
            "name_grams",
            sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "grams", sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
            name=op.f("fk_service_search_service_id_service"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("service_id", name=op.f("pk_service_search")),
        sa.UniqueConstraint("doc_id", name=op.f("uq_service_search_doc_id")),
        info={"public": "read"},
    )
    with op.batch_alter_table("service_search", schema=None) as batch_op:
        batch_op.create_index(
            "ix_service_search_grams",
            ["grams"],
            unique=False,
            postgresql_using="gin",
            sqlite_where=sa.text("0"),
        )

    if op.get_bind().dialect.name == "postgresql":
        # Keep the rows narrow, so a broad search reads few pages: the texts and `grams` go
        # to TOAST storage, while `name_grams`, read for every candidate to rank it, stays.
        op.execute("ALTER TABLE service_search SET (toast_tuple_target = 512)")
        op.execute("ALTER TABLE service_search ALTER COLUMN name_grams SET STORAGE MAIN")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS service_search_fts")
        op.execute("DROP TABLE IF EXISTS service_search_fts_name")
    with op.batch_alter_table("service_search", schema=None) as batch_op:
        batch_op.drop_index("ix_service_search_grams")
    op.drop_table("service_search")
