"""card scans counted through a function (PostgreSQL)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26

The public role may add one scan to an active batch and nothing more: it executes this
SECURITY DEFINER function and holds no privilege on ``card_scan_count`` itself, so it can neither
set nor read a count, nor count a retired batch. SQLite has no roles; there the app writes the
same upsert directly.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The schema name is quoted by _schema(); nothing here comes from outside.
FUNCTION = """
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
    function = FUNCTION.format(schema=schema)
    op.execute(function)
    # Functions are executable by everyone unless revoked; `db roles` grants it to the app.
    op.execute(f"REVOKE ALL ON FUNCTION {schema}.count_card_scan(integer, date) FROM PUBLIC")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP FUNCTION {_schema()}.count_card_scan(integer, date)")


def _schema() -> str:
    name = op.get_bind().exec_driver_sql("SELECT current_schema()").scalar_one()
    return '"' + str(name).replace('"', '""') + '"'
