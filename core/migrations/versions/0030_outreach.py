"""outreach (プッシュ型支援): subjects, their status history, contacts, cards handed out

Revision ID: 0030
Revises: 0026
Create Date: 2026-12-10

`outreach_subject` is a person a related agency told the city about: coarse columns for
statistics (agency kind, concern, district, legal basis, dates, status), the person's details
and what is known encrypted and bound to the row (Text here), blind indexes of phone, e-mail
and name. `outreach_status_change` keeps the history, `outreach_contact` the visits and other
contacts (planned, then done with a result), `outreach_card_handout` the cards handed out per
batch, `outreach_match` the matches shown to coordinators, `outreach_export` each export.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "0030"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outreach_subject_counter",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_outreach_subject_counter")),
    )
    op.create_table(
        "outreach_subject",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_number", sa.String(length=16), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("agency_kind", sa.String(length=32), nullable=False),
        sa.Column("concern", sa.JSON(), nullable=False),
        sa.Column("district", sa.String(length=64), nullable=False),
        sa.Column("legal_basis", sa.String(length=16), nullable=False),
        sa.Column("agency_organization_id", sa.String(length=36), nullable=True),
        sa.Column("agency_name", sa.Text(), nullable=True),
        sa.Column("passed_on_by", sa.Text(), nullable=True),
        sa.Column("person_name", sa.Text(), nullable=True),
        sa.Column("person_kana", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("known", sa.Text(), nullable=True),
        sa.Column("legal_basis_note", sa.Text(), nullable=True),
        sa.Column("name_index", sa.String(length=64), nullable=True),
        sa.Column("phone_index", sa.String(length=64), nullable=True),
        sa.Column("email_index", sa.String(length=64), nullable=True),
        sa.Column("closed_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=False),
        sa.Column("end_note", sa.Text(), nullable=True),
        sa.Column("linked_referral_id", sa.Integer(), nullable=True),
        sa.Column("legal_hold", sa.Boolean(), nullable=False),
        sa.Column("anonymised_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_user.id"],
            name=op.f("fk_outreach_subject_created_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["linked_referral_id"],
            ["referral.id"],
            name=op.f("fk_outreach_subject_linked_referral_id_referral"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_subject")),
        sa.UniqueConstraint("subject_number", name=op.f("uq_outreach_subject_subject_number")),
    )
    with op.batch_alter_table("outreach_subject", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outreach_subject_closed_at"), ["closed_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outreach_subject_email_index"), ["email_index"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outreach_subject_linked_referral_id"),
            ["linked_referral_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_outreach_subject_list", ["status", "received_on", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outreach_subject_name_index"), ["name_index"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outreach_subject_phone_index"), ["phone_index"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outreach_subject_received_on"), ["received_on"], unique=False
        )

    op.create_table(
        "outreach_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("next_step", sa.Text(), nullable=True),
        sa.Column("next_on", sa.Date(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["staff_user.id"],
            name=op.f("fk_outreach_contact_recorded_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff_user.id"], name=op.f("fk_outreach_contact_staff_id_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["outreach_subject.id"],
            name=op.f("fk_outreach_contact_subject_id_outreach_subject"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_contact")),
    )
    with op.batch_alter_table("outreach_contact", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outreach_contact_planned",
            ["planned_on", "id"],
            unique=False,
            sqlite_where=sa.text("done_on IS NULL AND planned_on IS NOT NULL"),
            postgresql_where=sa.text("done_on IS NULL AND planned_on IS NOT NULL"),
        )
        batch_op.create_index(
            batch_op.f("ix_outreach_contact_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "outreach_export",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("exported_by_id", sa.Integer(), nullable=True),
        sa.Column("exported_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["exported_by_id"],
            ["staff_user.id"],
            name=op.f("fk_outreach_export_exported_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["outreach_subject.id"],
            name=op.f("fk_outreach_export_record_id_outreach_subject"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_export")),
    )
    with op.batch_alter_table("outreach_export", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outreach_export_record_id"), ["record_id"], unique=False
        )

    op.create_table(
        "outreach_match",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("other_subject_id", sa.Integer(), nullable=True),
        sa.Column("other_referral_id", sa.Integer(), nullable=True),
        sa.Column("found_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["other_referral_id"],
            ["referral.id"],
            name=op.f("fk_outreach_match_other_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["other_subject_id"],
            ["outreach_subject.id"],
            name=op.f("fk_outreach_match_other_subject_id_outreach_subject"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["outreach_subject.id"],
            name=op.f("fk_outreach_match_subject_id_outreach_subject"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_match")),
    )
    with op.batch_alter_table("outreach_match", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outreach_match_other_referral_id"), ["other_referral_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outreach_match_other_subject_id"), ["other_subject_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outreach_match_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "outreach_status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=False),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("changed_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["staff_user.id"],
            name=op.f("fk_outreach_status_change_changed_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["outreach_subject.id"],
            name=op.f("fk_outreach_status_change_subject_id_outreach_subject"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_status_change")),
    )
    with op.batch_alter_table("outreach_status_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outreach_status_change_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "outreach_card_handout",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("handed_on", sa.Date(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["card_batch.id"],
            name=op.f("fk_outreach_card_handout_batch_id_card_batch"),
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["outreach_contact.id"],
            name=op.f("fk_outreach_card_handout_contact_id_outreach_contact"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["staff_user.id"],
            name=op.f("fk_outreach_card_handout_recorded_by_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_card_handout")),
    )
    with op.batch_alter_table("outreach_card_handout", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outreach_card_handout_batch_id"), ["batch_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outreach_card_handout_contact_id"), ["contact_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("outreach_card_handout", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outreach_card_handout_contact_id"))
        batch_op.drop_index(batch_op.f("ix_outreach_card_handout_batch_id"))

    op.drop_table("outreach_card_handout")
    with op.batch_alter_table("outreach_status_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outreach_status_change_subject_id"))

    op.drop_table("outreach_status_change")
    with op.batch_alter_table("outreach_match", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outreach_match_subject_id"))
        batch_op.drop_index(batch_op.f("ix_outreach_match_other_subject_id"))
        batch_op.drop_index(batch_op.f("ix_outreach_match_other_referral_id"))

    op.drop_table("outreach_match")
    with op.batch_alter_table("outreach_export", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outreach_export_record_id"))

    op.drop_table("outreach_export")
    with op.batch_alter_table("outreach_contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outreach_contact_subject_id"))
        batch_op.drop_index(
            "ix_outreach_contact_planned",
            sqlite_where=sa.text("done_on IS NULL AND planned_on IS NOT NULL"),
            postgresql_where=sa.text("done_on IS NULL AND planned_on IS NOT NULL"),
        )

    op.drop_table("outreach_contact")
    with op.batch_alter_table("outreach_subject", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outreach_subject_received_on"))
        batch_op.drop_index(batch_op.f("ix_outreach_subject_phone_index"))
        batch_op.drop_index(batch_op.f("ix_outreach_subject_name_index"))
        batch_op.drop_index("ix_outreach_subject_list")
        batch_op.drop_index(batch_op.f("ix_outreach_subject_linked_referral_id"))
        batch_op.drop_index(batch_op.f("ix_outreach_subject_email_index"))
        batch_op.drop_index(batch_op.f("ix_outreach_subject_closed_at"))

    op.drop_table("outreach_subject")
    op.drop_table("outreach_subject_counter")
