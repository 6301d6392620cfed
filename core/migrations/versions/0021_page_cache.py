"""public pages: content version for the page cache

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07

``content_version`` holds one row whose number changes, in the same transaction, with every
change to what the public site shows (`core.content_version`); the public site's page cache
keys every page by it, so an edit in the back office retires the cached pages of every process.
The public role reads it through its view, made by `flask db roles --apply`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "content_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_version")),
    )
    op.bulk_insert(table, [{"id": 1, "version": 0}])


def downgrade() -> None:
    op.drop_table("content_version")
