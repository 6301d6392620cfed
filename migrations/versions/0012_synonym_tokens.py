"""search: synonym groups as tokens in the index rows

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27

Each index row lists the synonym groups whose words its texts hold, and carries a token for
each in its inverted index, so that a query word with synonyms is one token to look up instead
of every synonym's bigrams (`directory.search.synonym_tokens`). Rows indexed before keep NULL
until `tsunagu init` works their tokens out; meanwhile a word with synonyms finds only
the services on a topic its group names.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("service_search", sa.Column("synonym_tokens", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("service_search") as batch:
        batch.drop_column("synonym_tokens")
