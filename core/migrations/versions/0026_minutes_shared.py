"""referrals: support meeting minutes shared with the NPO, and the liaisons who took part

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-09

`referral_support_meeting.shared_with_liaison` marks minutes the municipality shares with the
NPO (existing minutes stay internal). `referral_meeting_participant` lists the liaisons who took
part in a meeting, who may read its minutes once shared: ids and a time, nothing personal.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("referral_support_meeting", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "shared_with_liaison", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    op.create_table(
        "referral_meeting_participant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=False),
        sa.Column("added_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["referral_support_meeting.id"],
            name=op.f("fk_referral_meeting_participant_meeting_id_referral_support_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staff_user.id"],
            name=op.f("fk_referral_meeting_participant_staff_user_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_meeting_participant")),
        sa.UniqueConstraint(
            "meeting_id", "staff_user_id", name=op.f("uq_referral_meeting_participant_meeting_id")
        ),
    )
    with op.batch_alter_table("referral_meeting_participant", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_meeting_participant_staff_user_id"),
            ["staff_user_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("referral_meeting_participant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_meeting_participant_staff_user_id"))
    op.drop_table("referral_meeting_participant")
    with op.batch_alter_table("referral_support_meeting", schema=None) as batch_op:
        batch_op.drop_column("shared_with_liaison")
