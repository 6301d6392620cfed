"""staff: case roles wait for a second administrator's approval

Revision ID: 0023
Revises: 0021
Create Date: 2026-12-07

A case role (coordinator, supervisor, liaison) or the admin role that an administrator gives
through the web, or keeps on an account whose password or second factor an administrator
resets, grants nothing until a second, different administrator approves it. `staff_role`
records who gave the role and when (`granted_by_id`, `granted_at`) and who approved it
(`approved_by_id`, `approved_at`; NULL `approved_at` = waiting). Every role given before this
revision is approved at the upgrade (no approver, no granter: they are not known).
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "0023"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_role", schema=None) as batch_op:
        batch_op.add_column(sa.Column("granted_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("granted_at", core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("approved_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("approved_at", core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_staff_role_granted_by_id_staff_user"),
            "staff_user",
            ["granted_by_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_staff_role_approved_by_id_staff_user"),
            "staff_user",
            ["approved_by_id"],
            ["id"],
        )
    staff_role = sa.table(
        "staff_role", sa.column("approved_at", core.db.UTCDateTime(timezone=True))
    )
    op.execute(staff_role.update().values(approved_at=datetime.now(UTC)))


def downgrade() -> None:
    # Going back, a waiting role would grant at once: remove those instead.
    op.execute("DELETE FROM staff_role WHERE approved_at IS NULL")
    with op.batch_alter_table("staff_role", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_staff_role_approved_by_id_staff_user"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_staff_role_granted_by_id_staff_user"), type_="foreignkey"
        )
        batch_op.drop_column("approved_at")
        batch_op.drop_column("approved_by_id")
        batch_op.drop_column("granted_at")
        batch_op.drop_column("granted_by_id")
