"""statistics: daily totals of the referral figures, the stale-day log and date indexes

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-08

The referral figures of a period are summed from daily totals (`backoffice.statistics.models`),
also kept summed by month and fiscal year, instead of being computed from every case of the
period at each read. The tables start empty:
a day is computed when a page or file first reads it (or by `stats rebuild`). The dates the
figures read by day get indexes. Downgrading drops them; nothing is lost (they are computed).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DATE_INDEXES = (
    ("ix_referral_consent_withdrawn_at", "referral_consent", "withdrawn_at"),
    ("ix_referral_link_linked_on", "referral_link", "linked_on"),
    ("ix_referral_follow_up_held_on", "referral_follow_up", "held_on"),
    ("ix_referral_support_meeting_held_on", "referral_support_meeting", "held_on"),
)


def upgrade() -> None:
    op.create_table(
        "statistics_day",
        sa.Column("span", sa.String(length=1), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("built_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("span", "day", name=op.f("pk_statistics_day")),
    )
    op.create_table(
        "statistics_stale_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statistics_stale_day")),
    )
    op.create_index(
        op.f("ix_statistics_stale_day_day"), "statistics_stale_day", ["day"], unique=False
    )
    op.create_table(
        "statistics_day_count",
        sa.Column("span", sa.String(length=1), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("figure", sa.String(length=32), nullable=False),
        sa.Column("row_key", sa.String(length=64), nullable=False),
        sa.Column("column_key", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "span",
            "day",
            "figure",
            "row_key",
            "column_key",
            name=op.f("pk_statistics_day_count"),
        ),
    )
    op.create_table(
        "statistics_day_minutes",
        sa.Column("span", sa.String(length=1), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("figure", sa.String(length=16), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "span", "day", "figure", "minutes", name=op.f("pk_statistics_day_minutes")
        ),
    )
    for name, table, column in DATE_INDEXES:
        op.create_index(name, table, [column], unique=False)


def downgrade() -> None:
    for name, table, _ in DATE_INDEXES:
        op.drop_index(name, table_name=table)
    op.drop_table("statistics_day_minutes")
    op.drop_table("statistics_day_count")
    op.drop_index(op.f("ix_statistics_stale_day_day"), table_name="statistics_stale_day")
    op.drop_table("statistics_stale_day")
    op.drop_table("statistics_day")
