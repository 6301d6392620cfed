"""directory: organisations can be archived

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27

An organisation is `active` or `archived`. An archived one runs no published service, cannot be
chosen for a service, and is not in the public API; its record and history stay. Every
organisation stored before is active (the server default fills the existing rows).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="active")
        )


def downgrade() -> None:
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_column("status")
