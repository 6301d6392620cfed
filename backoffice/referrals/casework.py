"""What the dedicated staff record on a case: the timeline (progress notes, contact attempts,
emergency actions), support meetings, links to agencies, and tasks with due dates.

Free text is encrypted. A progress note, and a support meeting's minutes, stay internal to the
municipality unless marked shared, and only then does the NPO's liaison see them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.referrals.models import encrypted_column
from backoffice.referrals.vocabulary import CONTACT_LABELS, EMERGENCY_LABELS, LINK_STATUS_LABELS
from core.crypto import EncryptedJSON, EncryptedString
from core.db import Base, UTCDateTime, utcnow

CONTACT_RESULTS = tuple(CONTACT_LABELS)
EMERGENCY_KINDS = tuple(EMERGENCY_LABELS)  # 119 / 110 / 病院 / その他
LINK_STATUSES = tuple(LINK_STATUS_LABELS)


def _referral_id() -> Mapped[int]:
    return mapped_column(ForeignKey("referral.id", ondelete="CASCADE"), index=True)


def _staff_id() -> Mapped[int | None]:
    return mapped_column(ForeignKey("staff_user.id"), nullable=True)


class ProgressNote(Base):
    __tablename__ = "referral_progress_note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = _referral_id()
    written_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    author_id: Mapped[int | None] = _staff_id()
    body: Mapped[str | None] = encrypted_column("referral_progress_note.body")
    shared_with_liaison: Mapped[bool] = mapped_column(Boolean, default=False)


class ContactAttempt(Base):
    __tablename__ = "referral_contact_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = _referral_id()
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    method: Mapped[str] = mapped_column(String(16))
    result: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = encrypted_column("referral_contact_attempt.note")
    by_id: Mapped[int | None] = _staff_id()


class EmergencyAction(Base):
    __tablename__ = "referral_emergency_action"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = _referral_id()
    acted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str | None] = encrypted_column("referral_emergency_action.outcome")
    by_id: Mapped[int | None] = _staff_id()


class SupportMeeting(Base):
    """支援会議: convened by the municipality with related agencies; its minutes."""

    __tablename__ = "referral_support_meeting"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = _referral_id()
    held_on: Mapped[date] = mapped_column(Date)
    # Directory organisation ids or names typed by staff (which may say more than a name).
    agencies: Mapped[list[str] | None] = mapped_column(
        EncryptedJSON("referral_support_meeting.agencies"), default=list, nullable=True
    )
    agenda: Mapped[str | None] = encrypted_column("referral_support_meeting.agenda")
    decisions: Mapped[str | None] = encrypted_column("referral_support_meeting.decisions")
    next_meeting_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    recorded_by_id: Mapped[int | None] = _staff_id()
    # The municipality marked the minutes (date, agencies, agenda, decisions) for the NPO: the
    # case's liaisons and the liaisons who took part may read them. Nothing else of the case.
    shared_with_liaison: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class MeetingParticipant(Base):
    """A liaison of the NPO who took part in a support meeting (ids only, nothing personal)."""

    __tablename__ = "referral_meeting_participant"
    __table_args__ = (UniqueConstraint("meeting_id", "staff_user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("referral_support_meeting.id", ondelete="CASCADE")
    )
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReferralLink(Base):
    """具体的支援: the person linked to a directory service (or a named agency), and the outcome."""

    __tablename__ = "referral_link"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = _referral_id()
    service_id: Mapped[str | None] = mapped_column(ForeignKey("service.id"), nullable=True)
    agency_name: Mapped[str | None] = mapped_column(
        EncryptedString("referral_link.agency_name"), default="", nullable=True
    )
    linked_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    outcome: Mapped[str | None] = encrypted_column("referral_link.outcome")
    recorded_by_id: Mapped[int | None] = _staff_id()
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Task(Base):
    __tablename__ = "referral_task"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = _referral_id()
    title: Mapped[str | None] = encrypted_column("referral_task.title")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id"), nullable=True, index=True
    )
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_by_id: Mapped[int | None] = _staff_id()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
