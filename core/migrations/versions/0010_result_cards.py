"""search: result cards in the index rows

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27

A result page reads what it shows of each service from its index row: one query, no ORM
objects. Rows indexed before keep NULL until `tsunagu init` fills them
(`directory.search.reindex.fill_cards`); meanwhile search builds those cards per query.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("service_search", sa.Column("card", sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("service_search") as batch:
        batch.drop_column("card")
