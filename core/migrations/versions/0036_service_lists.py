"""service_lists: 案内リスト, services staff choose and print as a handout

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07

A list has a name, one note line printed under its title, who made it and when it changed,
and its services in order. No personal data: the services are the public directory's, and the
form asks for nothing that identifies a person. A service's rows on lists go with it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "service_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_user.id"],
            name=op.f("fk_service_list_created_by_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_list")),
    )
    op.create_table(
        "service_list_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_list_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
            name=op.f("fk_service_list_item_service_id_service"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_list_id"],
            ["service_list.id"],
            name=op.f("fk_service_list_item_service_list_id_service_list"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_list_item")),
        sa.UniqueConstraint(
            "service_list_id", "service_id", name=op.f("uq_service_list_item_service_list_id")
        ),
    )
    with op.batch_alter_table("service_list_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_list_item_service_id"), ["service_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_service_list_item_service_list_id"), ["service_list_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("service_list_item")
    op.drop_table("service_list")
