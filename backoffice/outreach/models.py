"""Outreach subjects, their status history, visits and other contacts, cards handed out.

As with referrals, every personal field is an `EncryptedString` bound to its row; phone, e-mail
and name get keyed blind indexes beside them for exact matches. What statistics need stays in
plain columns of coarse values (agency kind, concern, district, dates, statuses, a contact's
result, card counts), so anonymising a subject is clearing the encrypted columns. Every subject
has a version: a form saved against an old version is refused.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.crypto import EncryptedString
from core.db import Base, UTCDateTime, utcnow

STATUSES = ("received", "visit_planned", "visited", "watching", "connected", "ended")
OPEN_STATUSES = ("received", "visit_planned", "visited", "watching")
CLOSED_STATUSES = ("connected", "ended")
AGENCY_KINDS = ("welfare_volunteer", "community_center", "health_center", "school", "police",
                "hospital", "other")  # fmt: skip
LEGAL_BASES = ("life_body", "consent", "other")
CONTACT_KINDS = ("home_visit", "phone", "letter", "event")
CONTACT_RESULTS = ("met", "absent", "refused", "moved", "other")
HANDOUT_KINDS = ("visit", "event", "counter", "partner")
END_REASONS = ("declined", "moved", "unreachable", "no_need", "other")


def encrypted_column(context: str) -> Mapped[str | None]:
    return mapped_column(EncryptedString(context), nullable=True)


class OutreachSubject(Base):
    """A person a related agency told the city about (対象者)."""

    __tablename__ = "outreach_subject"
    __table_args__ = (Index("ix_outreach_subject_list", "status", "received_on", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_number: Mapped[str] = mapped_column(String(16), unique=True)  # P-2026-0001
    received_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default="received")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)

    # Coarse, kept after anonymisation for statistics.
    agency_kind: Mapped[str] = mapped_column(String(32))
    concern: Mapped[list[str]] = mapped_column(JSON, default=list)
    district: Mapped[str] = mapped_column(String(64), default="")
    legal_basis: Mapped[str] = mapped_column(String(16))

    # Who told the city: an organisation of the directory, or a name typed (encrypted).
    agency_organization_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    agency_name: Mapped[str | None] = encrypted_column("outreach_subject.agency_name")
    passed_on_by: Mapped[str | None] = encrypted_column("outreach_subject.passed_on_by")

    # The person: encrypted, cleared when the subject is anonymised.
    person_name: Mapped[str | None] = encrypted_column("outreach_subject.person_name")
    person_kana: Mapped[str | None] = encrypted_column("outreach_subject.person_kana")
    address: Mapped[str | None] = encrypted_column("outreach_subject.address")
    phone: Mapped[str | None] = encrypted_column("outreach_subject.phone")
    email: Mapped[str | None] = encrypted_column("outreach_subject.email")
    known: Mapped[str | None] = encrypted_column("outreach_subject.known")
    legal_basis_note: Mapped[str | None] = encrypted_column("outreach_subject.legal_basis_note")
    name_index: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    phone_index: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    email_index: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)

    # The end: つなぎ完了 (became a referral) or 終了 (with a reason).
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    end_reason: Mapped[str] = mapped_column(String(32), default="")
    end_note: Mapped[str | None] = encrypted_column("outreach_subject.end_note")
    # The referral the subject became (not ``referral_id``: that name belongs to a case's rows).
    linked_referral_id: Mapped[int | None] = mapped_column(
        ForeignKey("referral.id", ondelete="SET NULL"), nullable=True, index=True
    )

    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    status_changes: Mapped[list[OutreachStatusChange]] = relationship(
        cascade="all, delete-orphan", order_by="OutreachStatusChange.id"
    )
    contacts: Mapped[list[OutreachContact]] = relationship(
        cascade="all, delete-orphan", order_by="OutreachContact.id"
    )


class OutreachStatusChange(Base):
    __tablename__ = "outreach_status_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(
        ForeignKey("outreach_subject.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    end_reason: Mapped[str] = mapped_column(String(32), default="")
    reason: Mapped[str | None] = encrypted_column("outreach_status_change.reason")


# A planned contact not yet done: the escalation list reads these only.
PLANNED = "done_on IS NULL AND planned_on IS NOT NULL"


class OutreachContact(Base):
    """A home visit, call, letter or meeting at an event: planned, then done with a result."""

    __tablename__ = "outreach_contact"
    __table_args__ = (
        Index(
            "ix_outreach_contact_planned",
            "planned_on",
            "id",
            sqlite_where=text(PLANNED),
            postgresql_where=text(PLANNED),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(
        ForeignKey("outreach_subject.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    planned_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    done_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    result: Mapped[str] = mapped_column(String(16), default="")
    note: Mapped[str | None] = encrypted_column("outreach_contact.note")
    next_step: Mapped[str | None] = encrypted_column("outreach_contact.next_step")
    next_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CardHandout(Base):
    """Cards of one batch handed out: at a visit, an event, the counter or by a partner agency.
    Counted per batch only: the count names nobody."""

    __tablename__ = "outreach_card_handout"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("card_batch.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    count: Mapped[int] = mapped_column(Integer)
    handed_on: Mapped[date] = mapped_column(Date)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("outreach_contact.id", ondelete="SET NULL"), nullable=True, index=True
    )
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutreachMatch(Base):
    """Another subject, or a referral, with the same phone, e-mail or name; found when the
    subject's details were stored and shown to coordinators only."""

    __tablename__ = "outreach_match"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(
        ForeignKey("outreach_subject.id", ondelete="CASCADE"), index=True
    )
    other_subject_id: Mapped[int | None] = mapped_column(
        ForeignKey("outreach_subject.id", ondelete="CASCADE"), nullable=True, index=True
    )
    other_referral_id: Mapped[int | None] = mapped_column(
        ForeignKey("referral.id", ondelete="CASCADE"), nullable=True, index=True
    )
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SubjectCounter(Base):
    """The last subject number given out in a year: P-YYYY-NNNN."""

    __tablename__ = "outreach_subject_counter"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class OutreachExport(Base):
    """One export of a subject's record: who, when and why (the reason encrypted here; the
    audit event points at this row). Kept when the subject is anonymised."""

    __tablename__ = "outreach_export"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("outreach_subject.id", ondelete="CASCADE"), index=True
    )
    exported_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    exported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str | None] = encrypted_column("outreach_export.reason")
