"""initial schema: municipality profile and directory first cut

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "municipality_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_municipality_profile")),
    )
    op.create_table(
        "organization",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("name_kana", sa.String(length=300), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization")),
    )
    op.create_table(
        "service",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("name_kana", sa.String(length=300), nullable=False),
        sa.Column("audience", sa.Text(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("hours_note", sa.Text(), nullable=False),
        sa.Column("contact_note", sa.Text(), nullable=False),
        sa.Column("cost", sa.String(length=16), nullable=False),
        sa.Column("cost_note", sa.Text(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=True),
        sa.Column("languages_note", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("area", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("home_group", sa.String(length=16), nullable=True),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("confidence", sa.String(length=8), nullable=False),
        sa.Column("needs_check", sa.Boolean(), nullable=False),
        sa.Column("check_note", sa.Text(), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("source_date", sa.Text(), nullable=False),
        sa.Column("verified_at", sa.Date(), nullable=True),
        sa.Column("verified_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_service_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service")),
    )
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_area"), ["area"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_service_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_service_status"), ["status"], unique=False)

    op.create_table(
        "contact_channel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=500), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name=op.f("fk_contact_channel_service_id_service")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_channel")),
    )
    with op.batch_alter_table("contact_channel", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_channel_service_id"), ["service_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("contact_channel", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_channel_service_id"))

    op.drop_table("contact_channel")
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_status"))
        batch_op.drop_index(batch_op.f("ix_service_organization_id"))
        batch_op.drop_index(batch_op.f("ix_service_area"))

    op.drop_table("service")
    op.drop_table("organization")
    op.drop_table("municipality_profile")
