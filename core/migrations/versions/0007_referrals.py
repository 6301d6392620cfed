"""referrals: cases, consent, members, status history, case work, follow-ups

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.crypto
import core.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "referral_case_counter",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_referral_case_counter")),
    )
    op.create_table(
        "referral",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(length=16), nullable=False),
        sa.Column("received_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source_channel", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("risk_level", sa.String(length=8), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("problem_categories", sa.JSON(), nullable=False),
        sa.Column("age_band", sa.String(length=16), nullable=False),
        sa.Column("gender", sa.String(length=16), nullable=False),
        sa.Column("district", sa.String(length=64), nullable=False),
        sa.Column(
            "person_name", core.crypto.EncryptedString("referral.person_name"), nullable=True
        ),
        sa.Column(
            "person_kana", core.crypto.EncryptedString("referral.person_kana"), nullable=True
        ),
        sa.Column("pseudonym", sa.Boolean(), nullable=False),
        sa.Column("phone", core.crypto.EncryptedString("referral.phone"), nullable=True),
        sa.Column("line_name", core.crypto.EncryptedString("referral.line_name"), nullable=True),
        sa.Column("email", core.crypto.EncryptedString("referral.email"), nullable=True),
        sa.Column("preferred_method", sa.String(length=16), nullable=False),
        sa.Column(
            "preferred_times",
            core.crypto.EncryptedString("referral.preferred_times"),
            nullable=True,
        ),
        sa.Column("callback_may_identify", sa.Boolean(), nullable=False),
        sa.Column("phone_index", sa.String(length=64), nullable=True),
        sa.Column("email_index", sa.String(length=64), nullable=True),
        sa.Column("line_index", sa.String(length=64), nullable=True),
        sa.Column("wants", core.crypto.EncryptedString("referral.wants"), nullable=True),
        sa.Column("summary", core.crypto.EncryptedString("referral.summary"), nullable=True),
        sa.Column("assessment", core.crypto.EncryptedString("referral.assessment"), nullable=True),
        sa.Column("assigned_to_id", sa.Integer(), nullable=True),
        sa.Column("assigned_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("first_contact_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=False),
        sa.Column("end_note", core.crypto.EncryptedString("referral.end_note"), nullable=True),
        sa.Column("legal_hold", sa.Boolean(), nullable=False),
        sa.Column("anonymised_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"],
            ["staff_user.id"],
            name=op.f("fk_referral_acknowledged_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["assigned_to_id"],
            ["staff_user.id"],
            name=op.f("fk_referral_assigned_to_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff_user.id"], name=op.f("fk_referral_created_by_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral")),
        sa.UniqueConstraint("case_number", name=op.f("uq_referral_case_number")),
    )
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_assigned_to_id"), ["assigned_to_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_referral_created_by_id"), ["created_by_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_referral_district"), ["district"], unique=False)
        batch_op.create_index(batch_op.f("ix_referral_email_index"), ["email_index"], unique=False)
        batch_op.create_index(batch_op.f("ix_referral_ended_at"), ["ended_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_referral_line_index"), ["line_index"], unique=False)
        batch_op.create_index(batch_op.f("ix_referral_phone_index"), ["phone_index"], unique=False)
        batch_op.create_index(batch_op.f("ix_referral_received_at"), ["received_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_referral_risk_level"), ["risk_level"], unique=False)
        batch_op.create_index(batch_op.f("ix_referral_status"), ["status"], unique=False)

    op.create_table(
        "referral_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("consented_by", sa.String(length=16), nullable=False),
        sa.Column("consented_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("share_basic", sa.Boolean(), nullable=False),
        sa.Column("share_summary", sa.Boolean(), nullable=False),
        sa.Column("share_assessment", sa.Boolean(), nullable=False),
        sa.Column("share_with_municipality", sa.Boolean(), nullable=False),
        sa.Column(
            "agencies", core.crypto.EncryptedJSON("referral_consent.agencies"), nullable=True
        ),
        sa.Column("wording", sa.String(length=2000), nullable=False),
        sa.Column("withdrawn_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "withdrawal_note",
            core.crypto.EncryptedString("referral_consent.withdrawal_note"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_referral_consent_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"],
            ["staff_user.id"],
            name=op.f("fk_referral_consent_withdrawn_by_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_consent")),
        sa.UniqueConstraint("referral_id", name=op.f("uq_referral_consent_referral_id")),
    )
    op.create_table(
        "referral_contact_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("attempted_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column(
            "note", core.crypto.EncryptedString("referral_contact_attempt.note"), nullable=True
        ),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["by_id"], ["staff_user.id"], name=op.f("fk_referral_contact_attempt_by_id_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_referral_contact_attempt_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_contact_attempt")),
    )
    with op.batch_alter_table("referral_contact_attempt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_contact_attempt_referral_id"), ["referral_id"], unique=False
        )

    op.create_table(
        "referral_emergency_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("acted_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "outcome",
            core.crypto.EncryptedString("referral_emergency_action.outcome"),
            nullable=True,
        ),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["by_id"], ["staff_user.id"], name=op.f("fk_referral_emergency_action_by_id_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_referral_emergency_action_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_emergency_action")),
    )
    with op.batch_alter_table("referral_emergency_action", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_emergency_action_referral_id"), ["referral_id"], unique=False
        )

    op.create_table(
        "referral_follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column(
            "result", core.crypto.EncryptedString("referral_follow_up.result"), nullable=True
        ),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["staff_user.id"],
            name=op.f("fk_referral_follow_up_recorded_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_referral_follow_up_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_follow_up")),
    )
    with op.batch_alter_table("referral_follow_up", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_follow_up_referral_id"), ["referral_id"], unique=False
        )

    op.create_table(
        "referral_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(length=36), nullable=True),
        sa.Column(
            "agency_name", core.crypto.EncryptedString("referral_link.agency_name"), nullable=True
        ),
        sa.Column("linked_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", core.crypto.EncryptedString("referral_link.outcome"), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["staff_user.id"],
            name=op.f("fk_referral_link_recorded_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_referral_link_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name=op.f("fk_referral_link_service_id_service")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_link")),
    )
    with op.batch_alter_table("referral_link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_link_referral_id"), ["referral_id"], unique=False
        )

    op.create_table(
        "referral_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("added_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_referral_member_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staff_user.id"],
            name=op.f("fk_referral_member_staff_user_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_member")),
        sa.UniqueConstraint(
            "referral_id", "staff_user_id", name=op.f("uq_referral_member_referral_id")
        ),
    )
    with op.batch_alter_table("referral_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_member_staff_user_id"), ["staff_user_id"], unique=False
        )

    op.create_table(
        "referral_progress_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("written_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column(
            "body", core.crypto.EncryptedString("referral_progress_note.body"), nullable=True
        ),
        sa.Column("shared_with_liaison", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["staff_user.id"],
            name=op.f("fk_referral_progress_note_author_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_referral_progress_note_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_progress_note")),
    )
    with op.batch_alter_table("referral_progress_note", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_progress_note_referral_id"), ["referral_id"], unique=False
        )

    op.create_table(
        "referral_status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=False),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("changed_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "reason", core.crypto.EncryptedString("referral_status_change.reason"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["staff_user.id"],
            name=op.f("fk_referral_status_change_changed_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_referral_status_change_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_status_change")),
    )
    with op.batch_alter_table("referral_status_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_status_change_referral_id"), ["referral_id"], unique=False
        )

    op.create_table(
        "referral_support_meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column(
            "agencies",
            core.crypto.EncryptedJSON("referral_support_meeting.agencies"),
            nullable=True,
        ),
        sa.Column(
            "agenda", core.crypto.EncryptedString("referral_support_meeting.agenda"), nullable=True
        ),
        sa.Column(
            "decisions",
            core.crypto.EncryptedString("referral_support_meeting.decisions"),
            nullable=True,
        ),
        sa.Column("next_meeting_on", sa.Date(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["staff_user.id"],
            name=op.f("fk_referral_support_meeting_recorded_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_referral_support_meeting_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_support_meeting")),
    )
    with op.batch_alter_table("referral_support_meeting", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_support_meeting_referral_id"), ["referral_id"], unique=False
        )

    op.create_table(
        "referral_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("title", core.crypto.EncryptedString("referral_task.title"), nullable=True),
        sa.Column("due_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("done_at", core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["staff_user.id"], name=op.f("fk_referral_task_assignee_id_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_user.id"],
            name=op.f("fk_referral_task_created_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_referral_task_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_task")),
    )
    with op.batch_alter_table("referral_task", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_task_assignee_id"), ["assignee_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_referral_task_due_at"), ["due_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_referral_task_referral_id"), ["referral_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("referral_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_task_referral_id"))
        batch_op.drop_index(batch_op.f("ix_referral_task_due_at"))
        batch_op.drop_index(batch_op.f("ix_referral_task_assignee_id"))

    op.drop_table("referral_task")
    with op.batch_alter_table("referral_support_meeting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_support_meeting_referral_id"))

    op.drop_table("referral_support_meeting")
    with op.batch_alter_table("referral_status_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_status_change_referral_id"))

    op.drop_table("referral_status_change")
    with op.batch_alter_table("referral_progress_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_progress_note_referral_id"))

    op.drop_table("referral_progress_note")
    with op.batch_alter_table("referral_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_member_staff_user_id"))

    op.drop_table("referral_member")
    with op.batch_alter_table("referral_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_link_referral_id"))

    op.drop_table("referral_link")
    with op.batch_alter_table("referral_follow_up", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_follow_up_referral_id"))

    op.drop_table("referral_follow_up")
    with op.batch_alter_table("referral_emergency_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_emergency_action_referral_id"))

    op.drop_table("referral_emergency_action")
    with op.batch_alter_table("referral_contact_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_contact_attempt_referral_id"))

    op.drop_table("referral_contact_attempt")
    op.drop_table("referral_consent")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_status"))
        batch_op.drop_index(batch_op.f("ix_referral_risk_level"))
        batch_op.drop_index(batch_op.f("ix_referral_received_at"))
        batch_op.drop_index(batch_op.f("ix_referral_phone_index"))
        batch_op.drop_index(batch_op.f("ix_referral_line_index"))
        batch_op.drop_index(batch_op.f("ix_referral_ended_at"))
        batch_op.drop_index(batch_op.f("ix_referral_email_index"))
        batch_op.drop_index(batch_op.f("ix_referral_district"))
        batch_op.drop_index(batch_op.f("ix_referral_created_by_id"))
        batch_op.drop_index(batch_op.f("ix_referral_assigned_to_id"))

    op.drop_table("referral")
    op.drop_table("referral_case_counter")
