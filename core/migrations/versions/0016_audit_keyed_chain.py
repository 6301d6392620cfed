"""audit: a keyed hash chain

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07

New audit events are signed with HMAC-SHA256 under TSUNAGU_AUDIT_KEY (decision 0005). Each event
now says how it was hashed (`scheme`) and where it stands in the chain (`position`); the events
stored before are `sha256` and numbered 1..n in id order, which is the order they were chained
in. A migration cannot see the key, so they are not re-signed: they verify as the unbroken
beginning of the trail. `prev_hash` is no longer unique, so a row forged to claim the head's
successor cannot block the next event; it gets a plain index instead.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("scheme", sa.String(length=16), nullable=False, server_default="sha256")
        )
    # The chain was written in id order: the writer took the highest id as its head.
    op.execute(
        "UPDATE audit_event SET position = "
        "(SELECT COUNT(*) FROM audit_event AS earlier WHERE earlier.id <= audit_event.id)"
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.alter_column("position", existing_type=sa.BigInteger(), nullable=False)
        # New events always name their scheme; no default could be right for them.
        batch_op.alter_column("scheme", existing_type=sa.String(length=16), server_default=None)
        batch_op.drop_constraint(batch_op.f("uq_audit_event_prev_hash"), type_="unique")
        batch_op.create_index(batch_op.f("ix_audit_event_prev_hash"), ["prev_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_position"), ["position"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_position"))
        batch_op.drop_index(batch_op.f("ix_audit_event_prev_hash"))
        batch_op.create_unique_constraint(batch_op.f("uq_audit_event_prev_hash"), ["prev_hash"])
        batch_op.drop_column("scheme")
        batch_op.drop_column("position")
