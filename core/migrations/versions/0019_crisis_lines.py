"""directory: crisis lines and crisis words

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07

`service.is_crisis_line`: staff mark the lines someone can talk to right now; every public page
lists those open now at its top (「いますぐ話したい」). Every service stored before is not one
(the server default fills the existing rows). `crisis_term`: the words that tell of wanting to
die or disappear; a search holding one shows those lines first, gently. Seeded from
directory/data/crisis_terms.toml by `tsunagu init` and `tsunagu demo`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_crisis_line", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "crisis_term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=30), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crisis_term")),
        sa.UniqueConstraint("term", name=op.f("uq_crisis_term_term")),
    )


def downgrade() -> None:
    op.drop_table("crisis_term")
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_column("is_crisis_line")
