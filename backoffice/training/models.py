"""What a training or exchange meeting keeps: the meeting, its staff participants, the other
participants counted by organisation, its materials (PDF files kept outside the web root, found
by a random name) and its follow-up actions.

These records are about staff, not residents; but an exchange meeting may discuss a case, so its
free text (the notes and each follow-up action's text) is encrypted and bound to its row like a
case's free text (`core.crypto`, `core.row_binding`). Participants are staff accounts, so they
are shown only to staff the scope allows (`scopes`).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.crypto import EncryptedString
from core.db import Base, UTCDateTime, utcnow


class Training(Base):
    __tablename__ = "training"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    organiser: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(EncryptedString("training.notes"), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    participants: Mapped[list[TrainingParticipant]] = relationship(
        back_populates="training", cascade="all, delete-orphan", order_by="TrainingParticipant.id"
    )
    guests: Mapped[list[TrainingGuest]] = relationship(
        back_populates="training", cascade="all, delete-orphan", order_by="TrainingGuest.id"
    )
    materials: Mapped[list[TrainingMaterial]] = relationship(
        back_populates="training", order_by="TrainingMaterial.id"
    )
    actions: Mapped[list[TrainingAction]] = relationship(
        back_populates="training", order_by="TrainingAction.id"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def participant_ids(self) -> list[int]:
        return [p.staff_user_id for p in self.participants]

    @property
    def guest_count(self) -> int:
        return sum(g.count for g in self.guests)


class TrainingParticipant(Base):
    """A staff account that took part."""

    __tablename__ = "training_participant"
    __table_args__ = (UniqueConstraint("training_id", "staff_user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("training.id"), index=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)

    training: Mapped[Training] = relationship(back_populates="participants")


class TrainingGuest(Base):
    """Others who took part, counted by organisation (never named)."""

    __tablename__ = "training_guest"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("training.id"), index=True)
    organisation: Mapped[str] = mapped_column(String(200))
    count: Mapped[int] = mapped_column(Integer)

    training: Mapped[Training] = relationship(back_populates="guests")


class TrainingMaterial(Base):
    """A PDF handed out: stored as ``<instance>/training-materials/<stored_name>``."""

    __tablename__ = "training_material"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("training.id"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(200))  # as shown and downloaded, never a path
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    training: Mapped[Training] = relationship(back_populates="materials")


class TrainingAction(Base):
    """A follow-up action decided at the meeting: what, who (a staff account), by when."""

    __tablename__ = "training_action"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("training.id"), index=True)
    text: Mapped[str] = mapped_column(EncryptedString("training_action.text"))  # 500 characters
    owner_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    training: Mapped[Training] = relationship(back_populates="actions")
