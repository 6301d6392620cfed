"""directory: terms of other systems' taxonomies, kept for staff

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-07

A lenient HSDS import keeps the terms another publisher filed its services under, each under
its own taxonomy, and which services they were on (``service_other_term``): staff see them
beside our topics. A term's code is now unique within its taxonomy, not across all of them
(two systems may both have a term "food"). The public role reads only our own topics: run
`flask db roles --apply` after this migration so that its view of ``taxonomy_term`` says so;
``service_other_term`` has no public view at all.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0039"
down_revision: str | None = "0038"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("taxonomy_term", schema=None) as batch_op:
        batch_op.drop_constraint("uq_taxonomy_term_code", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_taxonomy_term_taxonomy"), ["taxonomy", "code"]
        )
    op.create_table(
        "service_other_term",
        sa.Column("service_id", sa.String(length=36), nullable=False),
        sa.Column("term_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
            name=op.f("fk_service_other_term_service_id_service"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["taxonomy_term.id"],
            name=op.f("fk_service_other_term_term_id_taxonomy_term"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("service_id", "term_id", name=op.f("pk_service_other_term")),
    )


def downgrade() -> None:
    op.drop_table("service_other_term")
    # Other taxonomies' terms go with the table that linked them: codes must be unique again.
    op.execute("DELETE FROM taxonomy_term WHERE taxonomy <> 'tsunagu-topics'")
    with op.batch_alter_table("taxonomy_term", schema=None) as batch_op:
        batch_op.drop_constraint("uq_taxonomy_term_taxonomy", type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_taxonomy_term_code"), ["code"])
