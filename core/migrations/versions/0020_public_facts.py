"""directory: what residents see of a service's sources

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07

`service.contact_confirmed`: a contact its sources leave in doubt is shown to residents as text,
not as a link to tap, until staff confirm the service ("確認済みにする"). A service stored before
keeps its links, except one still waiting for a check whose sources are of low confidence:
those are the rows whose numbers the fact sheet doubts most.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("contact_confirmed", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    service = sa.table(
        "service",
        sa.column("contact_confirmed", sa.Boolean()),
        sa.column("needs_check", sa.Boolean()),
        sa.column("confidence", sa.String()),
    )
    op.execute(
        service.update()
        .where(service.c.needs_check.is_(True), service.c.confidence == "low")
        .values(contact_confirmed=False)
    )


def downgrade() -> None:
    # The public role's view reads the column; `db roles` makes it again.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP VIEW IF EXISTS public_read.service")
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_column("contact_confirmed")
