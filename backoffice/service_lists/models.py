"""What a 案内リスト keeps: its name, a note line printed on the handout, the services in order.

No personal data: a list names services of the public directory, and its note is for
everyone who receives the handout (the form says not to write anything that identifies a
person). So nothing here is encrypted, and the audit events name the list by its id.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow


class ServiceList(Base):
    __tablename__ = "service_list"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    items: Mapped[list[ServiceListItem]] = relationship(
        back_populates="service_list",
        cascade="all, delete-orphan",
        order_by="ServiceListItem.position",
    )

    @property
    def service_ids(self) -> list[str]:
        return [item.service_id for item in self.items]


class ServiceListItem(Base):
    """One service on a list, at its place (1 first)."""

    __tablename__ = "service_list_item"
    __table_args__ = (UniqueConstraint("service_list_id", "service_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_list_id: Mapped[int] = mapped_column(
        ForeignKey("service_list.id", ondelete="CASCADE"), index=True
    )
    service_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("service.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)

    service_list: Mapped[ServiceList] = relationship(back_populates="items")
