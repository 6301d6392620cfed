"""referrals: the end of support keeps a summary of the help arranged and a follow-up date

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-09

`referral.closing_summary` is what help was arranged, written when support ends (encrypted and
bound to its row like the other free text of a case). `referral.follow_up_due_on` is the day the
NPO's follow-up falls due, set when support ends (30 days later unless staff choose another
day); cases ended before this revision get that default from their end of support.
`referral_status_change.end_reason` keeps the reason with the change that ended support, so the
timeline says why even after a case is reopened and ended again.
"""

from collections.abc import Sequence
from datetime import timedelta, timezone

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKYO = timezone(timedelta(hours=9))
FOLLOW_UP_AFTER = timedelta(days=30)


def upgrade() -> None:
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closing_summary", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("follow_up_due_on", sa.Date(), nullable=True))
    with op.batch_alter_table("referral_status_change", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("end_reason", sa.String(length=32), nullable=False, server_default="")
        )
    referral = sa.table(
        "referral",
        sa.column("id", sa.Integer()),
        sa.column("status", sa.String()),
        sa.column("ended_at", core.db.UTCDateTime(timezone=True)),
        sa.column("follow_up_due_on", sa.Date()),
    )
    connection = op.get_bind()
    ended = connection.execute(
        sa.select(referral.c.id, referral.c.ended_at).where(
            referral.c.status == "ended", referral.c.ended_at.is_not(None)
        )
    ).all()
    for row in ended:
        due = (row.ended_at.astimezone(TOKYO) + FOLLOW_UP_AFTER).date()
        connection.execute(
            referral.update().where(referral.c.id == row.id).values(follow_up_due_on=due)
        )
    change = sa.table(
        "referral_status_change",
        sa.column("referral_id", sa.Integer()),
        sa.column("to_status", sa.String()),
        sa.column("end_reason", sa.String()),
    )
    reasons = connection.execute(
        sa.text("SELECT id, end_reason FROM referral WHERE end_reason <> ''")
    ).all()
    for referral_id, reason in reasons:  # the latest known reason for each ending
        connection.execute(
            change.update()
            .where(change.c.referral_id == referral_id, change.c.to_status == "ended")
            .values(end_reason=reason)
        )


def downgrade() -> None:
    with op.batch_alter_table("referral_status_change", schema=None) as batch_op:
        batch_op.drop_column("end_reason")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_column("follow_up_due_on")
        batch_op.drop_column("closing_summary")
