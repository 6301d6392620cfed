"""referrals: indexes for the dashboard's waiting cases

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27

Open cases are few among all cases, and those waiting for acknowledgement or for a first
contact fewer still: partial indexes let the dashboard list and count them (and "my open
cases", oldest first) without reading every case. The waiting cases get two shapes: in list
order for PostgreSQL, by status for SQLite (see `Referral.__table_args__`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "status IN ('received', 'first_contact', 'arranging', 'supporting')"
IN_ORDER = ["received_at", "id", "urgent"]
BY_STATUS = ["status", "urgent", "received_at"]
INDEXES = {  # name: (columns, the time still unset on the cases it holds)
    "ix_referral_open_by_assignee": (["assigned_to_id", "received_at", "id"], None),
    "ix_referral_unacknowledged": (IN_ORDER, "acknowledged_at"),
    "ix_referral_unacknowledged_by_status": (BY_STATUS, "acknowledged_at"),
    "ix_referral_uncontacted": (IN_ORDER, "first_contact_at"),
    "ix_referral_uncontacted_by_status": (BY_STATUS, "first_contact_at"),
}


def upgrade() -> None:
    for name, (columns, waiting_for) in INDEXES.items():
        where = sa.text(OPEN if waiting_for is None else f"{waiting_for} IS NULL AND {OPEN}")
        op.create_index(name, "referral", columns, sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    for name in reversed(INDEXES):
        op.drop_index(name, table_name="referral")
