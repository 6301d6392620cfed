"""Pre-computed daily totals of the referral figures (`rollups`), and what marks them stale.

A fiscal year's referral figures summed from ~365 days of narrow rows instead of ~30 GROUP BY
statements over the year's wide, encrypted case rows. Each row is a count of one figure for one
day (the Japan date the counted thing happened on: a case's receipt, a link, an end, a
follow-up, a withdrawal, a meeting), filled by the same SQL as the reference figures restricted
to that day (`referral_counts`), so any period (month, fiscal year, range of days) is a sum of
days. Times to acknowledgement and first contact are kept as a histogram of whole minutes per
day, so medians and 90th percentiles over any period are exact, counted to the minute.

The same totals are kept summed by month, and the minutes also by fiscal year (``span`` "m",
"y"; a day is "d", and ``day`` is then the first day of the month or fiscal year), so a fiscal
year reads twelve months' rows, not 365 days'. A month or year is summed only from days all
computed, and dropped whenever one of its days is computed again.

`StatisticsDay` lists the days (months, years) computed; one missing is computed when read.
`StatisticsStaleDay` is a log of days a write changed since (`stale`): rows are only ever
inserted by writers and deleted, by id, by the reader that recomputed the day after seeing them,
so a write committed while a day is being recomputed leaves its row and is counted next time.
A row with no day marks every day stale (a bulk write whose days are not known).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.referrals.casework import ReferralLink, SupportMeeting
from backoffice.referrals.models import Consent, FollowUp
from core.db import Base, UTCDateTime, utcnow

SPANS = ("d", "m", "y")  # a day, a month, a fiscal year (its first day in ``day``)


class StatisticsDay(Base):
    """A day, month or fiscal year whose totals are in `StatisticsDayCount` and
    `StatisticsDayMinutes`."""

    __tablename__ = "statistics_day"

    span: Mapped[str] = mapped_column(String(1), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StatisticsStaleDay(Base):
    """A day changed by a write since its totals were computed (None: every day)."""

    __tablename__ = "statistics_stale_day"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)


class StatisticsDayCount(Base):
    """How many of one figure's things happened on a day, by a row and a column code (the
    codes as stored, e.g. a source channel and nothing, a link's agency area and its status;
    labels are given when the table is built)."""

    __tablename__ = "statistics_day_count"

    span: Mapped[str] = mapped_column(String(1), primary_key=True)  # "d" or "m"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    figure: Mapped[str] = mapped_column(String(32), primary_key=True)
    row_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    column_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class StatisticsDayMinutes(Base):
    """How many cases received on a day took ``minutes`` whole minutes (elapsed, truncated)
    from receipt to acknowledgement (``figure`` "ack") or to the first contact ("contact")."""

    __tablename__ = "statistics_day_minutes"

    span: Mapped[str] = mapped_column(String(1), primary_key=True)  # "d", "m" or "y"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    figure: Mapped[str] = mapped_column(String(16), primary_key=True)
    minutes: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


# The figures read these dates for a day or a few (the day just changed, today's live part):
# without an index each read would scan every consent, link, follow-up and meeting. Declared
# here, as statistics is what reads them by date; created by migration 0034.
DATE_INDEXES = (
    Index("ix_referral_consent_withdrawn_at", Consent.withdrawn_at),
    Index("ix_referral_link_linked_on", ReferralLink.linked_on),
    Index("ix_referral_follow_up_held_on", FollowUp.held_on),
    Index("ix_referral_support_meeting_held_on", SupportMeeting.held_on),
)
