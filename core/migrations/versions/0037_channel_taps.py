"""directory: taps on a service's LINE, chat and web buttons, counted per day

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-10

``channel_tap_day`` holds how many times a service's counted buttons were followed through the
public site's ``/go/`` address on one day (Asia/Tokyo), per kind of channel: the service, the
kind, the day and the number, nothing about who tapped (`directory.taps`).

PostgreSQL: the public role adds one through ``count_channel_tap(service, channel)`` and holds
no privilege on the table, so it can neither set nor read a count. The SECURITY DEFINER function
counts only a published, confirmed service's own LINE, chat or web channel with an https
address, takes the kind from the channel and the day from the database's clock in Tokyo, so the
role names neither. Run `flask db roles --apply` after this migration to grant it. SQLite has no
roles; there the app writes the same upsert directly.

Result summaries (``service_search.summary``) now keep each channel's id, for the counted
links of search results and the いますぐ話したい block. Summaries stored before link straight
to the channel, uncounted, until `flask directory reindex` builds them again (run it once after
this migration); nothing here rewrites them, so the way down and up again keeps them as they are.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The schema name is quoted by _schema(); nothing here comes from outside.
FUNCTION = """
CREATE FUNCTION {schema}.count_channel_tap(p_service text, p_channel integer) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $count$
    INSERT INTO {schema}.channel_tap_day AS counted (service_id, channel_kind, day, count)
    SELECT channel.service_id, channel.kind, (now() AT TIME ZONE 'Asia/Tokyo')::date, 1
    FROM {schema}.contact_channel AS channel
    JOIN {schema}.service AS service ON service.id = channel.service_id
    WHERE channel.id = p_channel AND channel.service_id = p_service
        AND service.status = 'published' AND service.contact_confirmed
        AND channel.kind IN ('line', 'chat', 'web') AND channel.value LIKE 'https://%'
    ON CONFLICT (service_id, channel_kind, day) DO UPDATE SET count = counted.count + 1
$count$
"""


def upgrade() -> None:
    op.create_table(
        "channel_tap_day",
        sa.Column("service_id", sa.String(length=36), nullable=False),
        sa.Column("channel_kind", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
            name=op.f("fk_channel_tap_day_service_id_service"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "service_id", "channel_kind", "day", name=op.f("pk_channel_tap_day")
        ),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    schema = _schema()
    op.execute(FUNCTION.format(schema=schema))
    # Functions are executable by everyone unless revoked; `db roles` grants it to the app.
    op.execute(f"REVOKE ALL ON FUNCTION {schema}.count_channel_tap(text, integer) FROM PUBLIC")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION {_schema()}.count_channel_tap(text, integer)")
    op.drop_table("channel_tap_day")


def _schema() -> str:
    name = op.get_bind().exec_driver_sql("SELECT current_schema()").scalar_one()
    return '"' + str(name).replace('"', '""') + '"'
