"""notifications: what staff must not miss, without personal data

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-08

`staff_notification` holds one row per recipient, kind, case and occasion (a new referral, an
acknowledgement overdue, an urgent case not contacted in time, a follow-up due), made by
`notify send`. The unique key makes that command idempotent. A row holds ids, the kind, the
case number and when it was made, read and mailed: nothing about the person.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(length=16), nullable=False),
        sa.Column("occasion", sa.String(length=32), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("mailed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["staff_user.id"],
            name=op.f("fk_staff_notification_recipient_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_staff_notification_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_notification")),
        sa.UniqueConstraint(
            "recipient_id",
            "kind",
            "referral_id",
            "occasion",
            name=op.f("uq_staff_notification_recipient_id"),
        ),
    )
    with op.batch_alter_table("staff_notification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staff_notification_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_staff_notification_referral_id"), ["referral_id"], unique=False
        )
        batch_op.create_index(
            "ix_staff_notification_unread", ["recipient_id", "read_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_notification", schema=None) as batch_op:
        batch_op.drop_index("ix_staff_notification_unread")
        batch_op.drop_index(batch_op.f("ix_staff_notification_referral_id"))
        batch_op.drop_index(batch_op.f("ix_staff_notification_created_at"))
    op.drop_table("staff_notification")
