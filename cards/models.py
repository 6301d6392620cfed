"""Card designs, tracked batches and their scan counts.

A batch is a run of printed cards (for home visits, a school, a partner agency...). Its QR code
carries only the batch's short code, so a scan tells which batch was scanned on which day and
nothing about who scanned it: no address, no browser, no cookie is stored anywhere.

What the public site may see is declared on each table (see `core.dbroles`): of a design its
texts, colours and logo, of a batch only what the landing page needs (never the staff's note or
names), and of the daily counters nothing: it may only add one through a function.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow

PURPOSES = ("home_visit", "event", "school", "partner", "counter", "other", "public_download")
STAFF_PURPOSES = PURPOSES[:-1]  # the public-download batch is the one standing batch
PUBLIC_DOWNLOAD = "public_download"
DEFAULT_DESIGN = "standard"


class SavedDesign(Base):
    """A card design as staff keep it: the texts and colours of `cards.design.CardDesign`."""

    __tablename__ = "card_design"
    __table_args__ = {  # noqa: RUF012  (the /cards page renders it; who edited it stays inside)
        "info": {"public": "read", "public_columns": ("id", "name", "fields", "logo")}
    }

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200), default="")


class CardBatch(Base):
    __tablename__ = "card_batch"
    __table_args__ = {  # noqa: RUF012
        "info": {
            "public": "read",
            "public_columns": ("id", "code", "design_id", "purpose", "retired_at"),
        }
    }

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    design_id: Mapped[int] = mapped_column(ForeignKey("card_design.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    retired_by: Mapped[str] = mapped_column(String(200), default="")

    design: Mapped[SavedDesign] = relationship()

    @property
    def active(self) -> bool:
        return self.retired_at is None


class ScanCount(Base):
    """How many times a batch's QR code was opened on one day (Asia/Tokyo)."""

    __tablename__ = "card_scan_count"
    # The public role adds one through this function only (PostgreSQL; migrations 0008, 0018);
    # the database's clock names the day.
    __table_args__ = {"info": {"public_function": "count_card_scan(integer)"}}  # noqa: RUF012

    batch_id: Mapped[int] = mapped_column(
        ForeignKey("card_batch.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
