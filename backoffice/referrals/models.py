"""Referrals (つなぎ支援): the case, the person, the consent that allows the handoff, its members
and its status history.

Every personal field is an `EncryptedString`; exact-match lookups (is this phone number already
on a case?) use keyed blind indexes beside them. What statistics need stays in plain columns of
coarse values (age band, gender, district, categories, risk), so anonymising a case is clearing
the encrypted columns. Every row has a version: a form saved against an old version is refused.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.crypto import EncryptedJSON, EncryptedString
from core.db import Base, UTCDateTime, utcnow

SOURCE_CHANNELS = ("line", "chat", "phone", "other")
STATUSES = (
    "received",  # 受付
    "first_contact",  # 初回連絡
    "arranging",  # 支援調整中
    "supporting",  # 支援中
    "ended",  # 支援終了
    "followed_up",  # フォローアップ完了
    "unreachable",  # 連絡不能
)
RISK_LEVELS = ("high", "medium", "low")
AGE_BANDS = ("under_20", "20s", "30s", "40s", "50s", "60s", "70_plus", "not_stated")
GENDERS = ("female", "male", "other", "not_stated")
CONTACT_METHODS = ("phone", "line", "email", "not_stated")
CONSENT_METHODS = ("chat", "line", "phone", "in_person", "other")
MEMBER_ROLES = ("liaison",)


def encrypted_column(context: str) -> Mapped[str | None]:
    return mapped_column(EncryptedString(context), nullable=True)


# Cases still in the municipality's hands (`workflow.OPEN`); here for the indexes below.
# Changing it needs a migration that rebuilds those indexes (see 0011).
OPEN_STATUSES = ("received", "first_contact", "arranging", "supporting")
OPEN_CONDITION = "status IN (" + ", ".join(f"'{status}'" for status in OPEN_STATUSES) + ")"


def _open_index(name: str, *columns: str, waiting_for: str | None = None) -> Index:
    """An index of the open cases only; of those still waiting for ``waiting_for`` if given."""
    where = OPEN_CONDITION if waiting_for is None else f"{waiting_for} IS NULL AND {OPEN_CONDITION}"
    return Index(name, *columns, sqlite_where=text(where), postgresql_where=text(where))


def _waiting_indexes(name: str, waiting_for: str) -> tuple[Index, Index]:
    """Two small indexes of the open cases waiting for ``waiting_for``, one per planner.

    PostgreSQL lists them, oldest first, by walking the first in order. SQLite, which keeps no
    statistics here, takes an index it can search by status over one it must scan: the second.
    """
    return (
        _open_index(name, "received_at", "id", "urgent", waiting_for=waiting_for),
        _open_index(
            f"{name}_by_status", "status", "urgent", "received_at", waiting_for=waiting_for
        ),
    )


class Referral(Base):
    __tablename__ = "referral"
    # The dashboard's lists and counts (`escalation`) read small partial indexes of the open
    # cases instead of every case: by assignee (oldest first), waiting for acknowledgement,
    # waiting for a first contact. Queries spell the open statuses out in the SQL
    # (`escalation.IS_OPEN`): only then does a planner see that these indexes apply.
    __table_args__ = (
        _open_index("ix_referral_open_by_assignee", "assigned_to_id", "received_at", "id"),
        *_waiting_indexes("ix_referral_unacknowledged", waiting_for="acknowledged_at"),
        *_waiting_indexes("ix_referral_uncontacted", waiting_for="first_contact_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_number: Mapped[str] = mapped_column(String(16), unique=True)  # R-2026-0001
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    source_channel: Mapped[str] = mapped_column(String(16))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="received", index=True)

    # Assessment: coarse, kept after anonymisation for statistics.
    risk_level: Mapped[str] = mapped_column(String(8), index=True)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    problem_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    age_band: Mapped[str] = mapped_column(String(16), default="not_stated")
    gender: Mapped[str] = mapped_column(String(16), default="not_stated")
    district: Mapped[str] = mapped_column(String(64), default="", index=True)

    # The person: encrypted, cleared when the case is anonymised.
    person_name: Mapped[str | None] = encrypted_column("referral.person_name")
    person_kana: Mapped[str | None] = encrypted_column("referral.person_kana")
    pseudonym: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[str | None] = encrypted_column("referral.phone")
    line_name: Mapped[str | None] = encrypted_column("referral.line_name")
    email: Mapped[str | None] = encrypted_column("referral.email")
    preferred_method: Mapped[str] = mapped_column(String(16), default="not_stated")
    preferred_times: Mapped[str | None] = encrypted_column("referral.preferred_times")
    callback_may_identify: Mapped[bool] = mapped_column(Boolean, default=False)
    phone_index: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    email_index: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    line_index: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)

    # Intake, in the liaison's words.
    wants: Mapped[str | None] = encrypted_column("referral.wants")
    summary: Mapped[str | None] = encrypted_column("referral.summary")
    assessment: Mapped[str | None] = encrypted_column("referral.assessment")

    # Case work.
    assigned_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id"), nullable=True, index=True
    )
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id"), nullable=True
    )
    first_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    end_reason: Mapped[str] = mapped_column(String(32), default="")
    end_note: Mapped[str | None] = encrypted_column("referral.end_note")
    # What help was arranged, written when support ends; the liaison reads it when the consent
    # covers the summary (`fields.CLOSING_PART`).
    closing_summary: Mapped[str | None] = encrypted_column("referral.closing_summary")
    # When the NPO's follow-up falls due; set when support ends (`workflow.FOLLOW_UP_AFTER`).
    follow_up_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    # Records.
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    consent: Mapped[Consent] = relationship(
        back_populates="referral", cascade="all, delete-orphan", uselist=False
    )
    members: Mapped[list[ReferralMember]] = relationship(
        back_populates="referral", cascade="all, delete-orphan"
    )
    status_changes: Mapped[list[StatusChange]] = relationship(
        back_populates="referral", cascade="all, delete-orphan", order_by="StatusChange.id"
    )


class Consent(Base):
    """つなぎ支援のための同意: who agreed, when, how, to share what with whom; and withdrawal."""

    __tablename__ = "referral_consent"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referral.id", ondelete="CASCADE"), unique=True
    )
    consented_by: Mapped[str] = mapped_column(String(16), default="self")  # self / guardian
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime)
    method: Mapped[str] = mapped_column(String(16))
    share_basic: Mapped[bool] = mapped_column(Boolean, default=True)
    share_summary: Mapped[bool] = mapped_column(Boolean, default=False)
    share_assessment: Mapped[bool] = mapped_column(Boolean, default=False)
    share_with_municipality: Mapped[bool] = mapped_column(Boolean, default=True)
    # The related agencies named by the person, typed by the liaison: encrypted.
    agencies: Mapped[list[str] | None] = mapped_column(
        EncryptedJSON("referral_consent.agencies"), default=list, nullable=True
    )
    wording: Mapped[str] = mapped_column(String(2000))  # the text the person agreed to
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    withdrawal_note: Mapped[str | None] = encrypted_column("referral_consent.withdrawal_note")

    referral: Mapped[Referral] = relationship(back_populates="consent")

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class ReferralMember(Base):
    """Staff added to a case beside its creator (another liaison of the NPO, for instance)."""

    __tablename__ = "referral_member"
    __table_args__ = (UniqueConstraint("referral_id", "staff_user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"))
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="liaison")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    referral: Mapped[Referral] = relationship(back_populates="members")


class StatusChange(Base):
    __tablename__ = "referral_status_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referral.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    reason: Mapped[str | None] = encrypted_column("referral_status_change.reason")
    end_reason: Mapped[str] = mapped_column(String(32), default="", server_default="")

    referral: Mapped[Referral] = relationship(back_populates="status_changes")


class CaseCounter(Base):
    """The last case number given out in a year: R-YYYY-NNNN, counted atomically."""

    __tablename__ = "referral_case_counter"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class FollowUp(Base):
    """The NPO's follow-up after support ended (date, result)."""

    __tablename__ = "referral_follow_up"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referral.id", ondelete="CASCADE"), index=True
    )
    held_on: Mapped[date] = mapped_column(Date)
    result: Mapped[str | None] = encrypted_column("referral_follow_up.result")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContactMatch(Base):
    """Another case with the same phone, e-mail or LINE name, found when this case's contact
    details were stored. Only staff who may see both cases are told; the liaison who typed the
    details is answered the same with or without a match, so the check reveals nothing."""

    __tablename__ = "referral_contact_match"
    __table_args__ = (UniqueConstraint("referral_id", "other_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referral.id", ondelete="CASCADE"), index=True
    )
    other_id: Mapped[int] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"), index=True)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReferralExport(Base):
    """One export of a case: who, when, in which format, and why. The reason is encrypted here
    and the audit event points at this row, so the trail never holds the typed text.

    An access record rather than part of the case (hence ``case_id``, not ``referral_id``):
    anonymising the case leaves it, as it leaves the audit trail.
    """

    __tablename__ = "referral_export"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"), index=True)
    exported_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    exported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    file_format: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str | None] = encrypted_column("referral_export.reason")
