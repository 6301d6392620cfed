"""guidance cards: designs, batches, daily scan counts

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "card_design",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_design")),
        sa.UniqueConstraint("name", name=op.f("uq_card_design_name")),
        info={"public": "read"},
    )
    op.create_table(
        "card_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("design_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("printed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("retired_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("retired_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["design_id"], ["card_design.id"], name=op.f("fk_card_batch_design_id_card_design")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_batch")),
        sa.UniqueConstraint("code", name=op.f("uq_card_batch_code")),
        info={
            "public": "read",
            "public_columns": ("id", "code", "design_id", "purpose", "retired_at"),
        },
    )
    with op.batch_alter_table("card_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_card_batch_design_id"), ["design_id"], unique=False)

    op.create_table(
        "card_scan_count",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["card_batch.id"],
            name=op.f("fk_card_scan_count_batch_id_card_batch"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("batch_id", "day", name=op.f("pk_card_scan_count")),
        info={"public": "count"},
    )


def downgrade() -> None:
    op.drop_table("card_scan_count")
    with op.batch_alter_table("card_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_card_batch_design_id"))

    op.drop_table("card_batch")
    op.drop_table("card_design")
