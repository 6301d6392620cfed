"""public pages: stored readings of the directory's and the profile's texts

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-10

``text_reading`` holds pykakasi's readings of each unit (a run of kana and kanji) of the texts
the easy-Japanese pages show from the directory and the profile, computed by the process that
changes them (`core.readings_store`), so the public site looks readings up and never loads
pykakasi. The public role reads it through its view, made by `flask db roles --apply`. The
table starts empty: run `flask directory reindex` once after this migration to fill it; until
then the directory's texts are shown on easy pages without readings.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0038"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "text_reading",
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("readings", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("text", name=op.f("pk_text_reading")),
    )


def downgrade() -> None:
    # The public role's view reads the table; `db roles` makes it again.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP VIEW IF EXISTS public_read.text_reading")
    op.drop_table("text_reading")
