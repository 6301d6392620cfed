"""referrals: consent binds what the city stores

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07

Contact matches between cases (told to the municipality's staff, never to the liaison), and the
export log whose encrypted reason the audit trail points at.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.crypto
import core.db

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "referral_contact_match",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("found_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_referral_contact_match_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["other_id"],
            ["referral.id"],
            name=op.f("fk_referral_contact_match_other_id_referral"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_contact_match")),
        sa.UniqueConstraint(
            "referral_id", "other_id", name=op.f("uq_referral_contact_match_referral_id")
        ),
    )
    with op.batch_alter_table("referral_contact_match", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_contact_match_referral_id"), ["referral_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_referral_contact_match_other_id"), ["other_id"], unique=False
        )

    op.create_table(
        "referral_export",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("exported_by_id", sa.Integer(), nullable=True),
        sa.Column("exported_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("file_format", sa.String(length=8), nullable=False),
        sa.Column("reason", core.crypto.EncryptedString("referral_export.reason"), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["referral.id"],
            name=op.f("fk_referral_export_case_id_referral"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["exported_by_id"],
            ["staff_user.id"],
            name=op.f("fk_referral_export_exported_by_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_export")),
    )
    with op.batch_alter_table("referral_export", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_export_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("referral_export", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_export_case_id"))
    op.drop_table("referral_export")
    with op.batch_alter_table("referral_contact_match", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_contact_match_other_id"))
        batch_op.drop_index(batch_op.f("ix_referral_contact_match_referral_id"))
    op.drop_table("referral_contact_match")
