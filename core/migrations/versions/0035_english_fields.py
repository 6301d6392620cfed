"""directory: English fields of services and organisations, and an easy-Japanese summary

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-09

English pages show a service's `name_en`, `audience_en`, `summary_en`, `hours_note_en` and
`cost_note_en` (and its organisation's `name_en`) where staff have written them, and the
Japanese marked "(in Japanese)" where not; `summary_easy` is the やさしい日本語 summary of the
/easy/ pages. Every column starts empty, so nothing changes on a page until staff fill one in.

They are public text: the public role's views show them (`core.public_views` reads the models;
`db roles --apply` remakes the views after this migration). Downgrading drops the columns, on
PostgreSQL after dropping the views that read them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SERVICE_COLUMNS = (
    ("name_en", sa.String(length=300)),
    ("audience_en", sa.Text()),
    ("summary_en", sa.Text()),
    ("hours_note_en", sa.Text()),
    ("cost_note_en", sa.Text()),
    ("summary_easy", sa.Text()),
)


def upgrade() -> None:
    with op.batch_alter_table("service", schema=None) as batch_op:
        for name, kind in SERVICE_COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=False, server_default=""))
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("name_en", sa.String(length=300), nullable=False, server_default="")
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # The public role's views read the columns; `db roles --apply` makes them again.
        op.execute("DROP VIEW IF EXISTS public_read.service")
        op.execute("DROP VIEW IF EXISTS public_read.organization")
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_column("name_en")
    with op.batch_alter_table("service", schema=None) as batch_op:
        for name, _ in reversed(SERVICE_COLUMNS):
            batch_op.drop_column(name)
