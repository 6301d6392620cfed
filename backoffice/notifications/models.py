"""The notification table: one row per recipient, kind, case and occasion.

The unique key is what makes `notify send` idempotent: run twice, it finds every row it would
add already there. ``occasion`` tells apart two notifications of one kind about one case (a case
reopened and due for acknowledgement again, a second follow-up date): it is the deadline or the
day the notice is about, written as text so that it compares the same on every database.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow

NEW_REFERRAL = "new_referral"
ACKNOWLEDGEMENT_OVERDUE = "acknowledgement_overdue"
URGENT_NOT_CONTACTED = "urgent_not_contacted"
FOLLOW_UP_DUE = "follow_up_due"
KINDS = (NEW_REFERRAL, ACKNOWLEDGEMENT_OVERDUE, URGENT_NOT_CONTACTED, FOLLOW_UP_DUE)


class Notification(Base):
    __tablename__ = "staff_notification"
    __table_args__ = (
        UniqueConstraint("recipient_id", "kind", "referral_id", "occasion"),
        # The header's count on every page: one recipient's unread rows.
        Index("ix_staff_notification_unread", "recipient_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    kind: Mapped[str] = mapped_column(String(32))
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referral.id", ondelete="CASCADE"), index=True
    )
    case_number: Mapped[str] = mapped_column(String(16))  # R-2026-0012: nothing personal
    occasion: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
