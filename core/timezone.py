"""Japan time: opening hours, business days, dates staff type and dates pages show are all on
the Japanese wall clock. Stored times are UTC (`core.db.utcnow`); this is the one place that
names the zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")


def in_tokyo(moment: datetime) -> datetime:
    """An aware moment on the Japanese wall clock."""
    return moment.astimezone(TOKYO)


def tokyo_today(now: datetime | None = None) -> date:
    """The date in Japan now (or at ``now``)."""
    return (now or datetime.now(TOKYO)).astimezone(TOKYO).date()
