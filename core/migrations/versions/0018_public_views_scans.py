"""public role reads views; scan counting in Tokyo time

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07

PostgreSQL only (SQLite has no roles; there the app writes the same upsert and works out the
Tokyo date itself):

- schema ``public_read``, where `flask db roles` makes, from the models, a view of the published
  rows and public columns of each table the public role reads (`core.public_views`); the role
  reads those views and no table;
- ``count_card_scan(batch)`` replaces ``count_card_scan(batch, day)``: the database's clock, in
  Asia/Tokyo, names the day, so the public role cannot choose which day a scan is counted on.
  Run `flask db roles --apply` after this migration to grant it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "public_read"

# The schema name is quoted by _schema(); nothing here comes from outside.
FUNCTION = """
CREATE FUNCTION {schema}.count_card_scan(p_batch integer) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $count$
    INSERT INTO {schema}.card_scan_count AS counted (batch_id, day, count)
    SELECT batch.id, (now() AT TIME ZONE 'Asia/Tokyo')::date, 1
    FROM {schema}.card_batch AS batch
    WHERE batch.id = p_batch AND batch.retired_at IS NULL
    ON CONFLICT (batch_id, day) DO UPDATE SET count = counted.count + 1
$count$
"""

# As migration 0008 made it, for the way down.
OLD_FUNCTION = """
CREATE FUNCTION {schema}.count_card_scan(p_batch integer, p_day date) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $count$
    INSERT INTO {schema}.card_scan_count AS counted (batch_id, day, count)
    SELECT batch.id, p_day, 1 FROM {schema}.card_batch AS batch
    WHERE batch.id = p_batch AND batch.retired_at IS NULL
    ON CONFLICT (batch_id, day) DO UPDATE SET count = counted.count + 1
$count$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    schema = _schema()
    op.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    op.execute(f"REVOKE ALL ON SCHEMA {SCHEMA} FROM PUBLIC")
    op.execute(f"DROP FUNCTION {schema}.count_card_scan(integer, date)")
    op.execute(FUNCTION.format(schema=schema))
    # Functions are executable by everyone unless revoked; `db roles` grants it to the app.
    op.execute(f"REVOKE ALL ON FUNCTION {schema}.count_card_scan(integer) FROM PUBLIC")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    schema = _schema()
    op.execute(f"DROP FUNCTION {schema}.count_card_scan(integer)")
    op.execute(OLD_FUNCTION.format(schema=schema))
    op.execute(f"REVOKE ALL ON FUNCTION {schema}.count_card_scan(integer, date) FROM PUBLIC")
    op.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


def _schema() -> str:
    name = op.get_bind().exec_driver_sql("SELECT current_schema()").scalar_one()
    return '"' + str(name).replace('"', '""') + '"'
