"""Directory models, shaped after Open Referral HSDS 3.0 (organization, service, contact)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow

AREAS = ("municipality", "prefecture", "national")
PUBLICATION_STATES = ("draft", "published", "archived")
CHANNEL_KINDS = ("phone", "line", "chat", "email", "sns", "in_person", "web")
COST_KINDS = ("free", "partly", "paid", "unknown")


class Organization(Base):
    __tablename__ = "organization"
    __table_args__ = {"info": {"public": "read"}}  # noqa: RUF012

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    name_kana: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    services: Mapped[list[Service]] = relationship(back_populates="organization")


class Service(Base):
    __tablename__ = "service"
    __table_args__ = {"info": {"public": "read"}}  # noqa: RUF012

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    name_kana: Mapped[str] = mapped_column(String(300), default="")
    audience: Mapped[str] = mapped_column(Text, default="")
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    hours_note: Mapped[str] = mapped_column(Text, default="")
    contact_note: Mapped[str] = mapped_column(Text, default="")
    cost: Mapped[str] = mapped_column(String(16), default="unknown")
    cost_note: Mapped[str] = mapped_column(Text, default="")
    anonymous: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    languages_note: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(Text, default="")
    area: Mapped[str] = mapped_column(String(16), default="national", index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    home_group: Mapped[str | None] = mapped_column(String(16), nullable=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    confidence: Mapped[str] = mapped_column(String(8), default="low")
    needs_check: Mapped[bool] = mapped_column(Boolean, default=True)
    check_note: Mapped[str] = mapped_column(Text, default="")
    source_url: Mapped[str] = mapped_column(Text, default="")
    source_date: Mapped[str] = mapped_column(Text, default="")
    verified_at: Mapped[date | None] = mapped_column(Date, nullable=True)
    verified_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="services")
    channels: Mapped[list[ContactChannel]] = relationship(
        back_populates="service",
        order_by="ContactChannel.sort_order",
        cascade="all, delete-orphan",
    )


class ContactChannel(Base):
    """One way to reach a service: a phone number, a LINE account, a chat or web address."""

    __tablename__ = "contact_channel"
    __table_args__ = {"info": {"public": "read"}}  # noqa: RUF012

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(500))
    label: Mapped[str] = mapped_column(String(300), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    service: Mapped[Service] = relationship(back_populates="channels")

    @property
    def href(self) -> str | None:
        """A safe link for this channel, or None when it is shown as text only."""
        if self.kind == "phone":
            return "tel:" + self.value.replace("-", "").replace("#", "%23")
        if self.kind in ("chat", "web") and self.value.startswith("https://"):
            return self.value
        return None
