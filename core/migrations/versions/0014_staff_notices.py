"""staff: security notices, failed sign-ins counted atomically

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

`staff_notice` tells a member of staff, at their next sign-in and on their account page, that
their password or second factor changed. Sign-in attempts are counted in one statement with a
moving window: `staff_user.last_failed_at` is the window's last attempt, and `login_throttle`
keeps the same clock for logins that name no active account (as a keyed hash), so an unknown
login locks exactly like a real one.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_failed_at", core.db.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "login_throttle",
        sa.Column("login_key", sa.String(length=64), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("locked_until", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("login_key", name=op.f("pk_login_throttle")),
    )
    with op.batch_alter_table("login_throttle", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_login_throttle_last_failed_at"), ["last_failed_at"], unique=False
        )
    op.create_table(
        "staff_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("by_administrator", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("shown_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff_user.id"], name=op.f("fk_staff_notice_user_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_notice")),
    )
    with op.batch_alter_table("staff_notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_notice_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("staff_notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_notice_user_id"))
    op.drop_table("staff_notice")
    with op.batch_alter_table("login_throttle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_throttle_last_failed_at"))
    op.drop_table("login_throttle")
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_column("last_failed_at")
