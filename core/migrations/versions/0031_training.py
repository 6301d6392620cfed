"""training: trainings and exchange meetings, participants, materials and follow-up actions

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-10

研修・情報交換会 between the NPO's counsellors and the city's staff: the meeting, the staff accounts
that took part, the others counted by organisation, the PDF materials (the files themselves are
kept under the instance folder, `training-materials/<stored_name>`, not in the database) and the
follow-up actions with their owners.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str = "staff_user") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _index(table: str, *columns: str, unique: bool = False) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=unique)


def upgrade() -> None:
    op.create_table(
        "training",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("organiser", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("training", "created_by_id"),
        _fk("training", "updated_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training")),
    )
    _index("training", "held_on")
    op.create_table(
        "training_participant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("training_id", sa.Integer(), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=False),
        _fk("training_participant", "staff_user_id"),
        _fk("training_participant", "training_id", "training"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_participant")),
        sa.UniqueConstraint(
            "training_id", "staff_user_id", name=op.f("uq_training_participant_training_id")
        ),
    )
    _index("training_participant", "staff_user_id", "training_id")
    op.create_table(
        "training_guest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("training_id", sa.Integer(), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        _fk("training_guest", "training_id", "training"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_guest")),
    )
    _index("training_guest", "training_id")
    op.create_table(
        "training_material",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("training_id", sa.Integer(), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", core.db.UTCDateTime(timezone=True), nullable=False),
        _fk("training_material", "training_id", "training"),
        _fk("training_material", "uploaded_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_material")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_training_material_stored_name")),
    )
    _index("training_material", "training_id")
    op.create_table(
        "training_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("training_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("done_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        _fk("training_action", "done_by_id"),
        _fk("training_action", "owner_id"),
        _fk("training_action", "training_id", "training"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_action")),
    )
    _index("training_action", "owner_id", "training_id")


def downgrade() -> None:
    for table in ("training_action", "training_material", "training_guest", "training_participant"):
        op.drop_table(table)
    op.drop_table("training")
