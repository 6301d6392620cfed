"""The referral figures' SQL: each a GROUP BY over the case tables, by month or by day.

One query per figure, as the figures have always been computed, with the month (for the
reference figures over a period) or the day (to fill the daily totals, `rollups`) in front of
the codes it counts. Cases are counted by the day they were received; what happens later when
it happens (a link by the day it was made, an end by the day support ended, a follow-up by the
day it was held, a withdrawal by the day consent was withdrawn, a meeting by the day it was
held). Only columns anonymisation keeps are read (`referrals.records.anonymise`): coarse codes,
dates and statuses, so anonymised cases count as they did before (the meetings' agencies are
the one exception, see `meeting_counts`).

The result is `Found`: figure -> (bucket, row code, column code) -> count, where the bucket is
'2026-05' or '2026-05-03' and codes are text ('' when the figure has no such dimension).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

from sqlalchemy import distinct, func, select, true
from sqlalchemy.orm import Session

from backoffice.referrals.casework import ReferralLink, SupportMeeting
from backoffice.referrals.models import Consent, FollowUp, Referral, StatusChange
from backoffice.statistics import figures_sql as sql
from backoffice.statistics import meeting_counts
from backoffice.statistics.periods import Period
from core.timezone import in_tokyo
from directory.models import Service

Key = tuple[str, str, str]
Found = dict[str, Counter[Key]]
Minutes = dict[str, Counter[tuple[str, int]]]  # "ack" / "contact" -> (bucket, minutes) -> n

# The case's own codes, counted by the day it was received: figure -> column.
DIMENSIONS = {
    "channel": Referral.source_channel,
    "age_band": Referral.age_band,
    "gender": Referral.gender,
    "district": Referral.district,
    "risk": Referral.risk_level,
    "urgent": Referral.urgent,
}
TIMES = {"ack": Referral.acknowledged_at, "contact": Referral.first_contact_at}
KEY_LIMIT = 64  # `models.StatisticsDayCount.row_key`


def code(value: Any) -> str:
    """A stored code as the key of a count: text, '1'/'0' for a flag, '' for none."""
    if isinstance(value, bool):
        return "1" if value else "0"
    return "" if value is None else str(value)[:KEY_LIMIT]


def bucket_key(value: Any) -> str:
    return value if isinstance(value, str) else value.isoformat()


class _Buckets:
    """The bucket expression (month or day, Japan time) of each counted thing's column."""

    def __init__(self, session: Session, by_day: bool) -> None:
        self.session, self.by_day = session, by_day

    def of(self, column: Any, *, moment: bool = True) -> Any:
        if self.by_day:
            return sql.day_of(self.session, column, moment=moment)
        return sql.month_of(self.session, column, moment=moment)


def bucketed(session: Session, span: Period, *, by_day: bool) -> Found:
    """Every referral figure's counts in ``span``, by month or by day."""
    at = _Buckets(session, by_day)
    found: Found = {}

    def add(figure: str, rows: Any) -> None:
        counter = found.setdefault(figure, Counter())
        for bucket, *codes, count in rows:  # (bucket, [row, [column,]] count)
            row, column = (*codes, "", "")[:2]
            counter[(bucket_key(bucket), code(row), code(column))] += int(count)

    received = sql.in_period(Referral.received_at, span)
    day = at.of(Referral.received_at)
    for figure, column in DIMENSIONS.items():
        query = select(day, column, func.count()).where(received).group_by(day, column)
        add(figure, session.execute(query))
    member = sql.json_members(session, Referral.problem_categories)
    add("category", session.execute(
        select(day, member.c.value, func.count()).select_from(Referral)
        .join(member, true()).where(received).group_by(day, member.c.value)
    ))  # fmt: skip
    # Distinct cases: a case is in one bucket (its day of receipt), so buckets add up.
    add("status", session.execute(
        select(day, StatusChange.to_status, func.count(distinct(StatusChange.referral_id)))
        .join(Referral, Referral.id == StatusChange.referral_id)
        .where(received).group_by(day, StatusChange.to_status)
    ))  # fmt: skip
    linked = at.of(ReferralLink.linked_on, moment=False)
    kind = func.coalesce(Service.area, "")
    add("link", session.execute(
        select(linked, kind, ReferralLink.status, func.count()).select_from(ReferralLink)
        .outerjoin(Service, Service.id == ReferralLink.service_id)
        .where(sql.on_days(ReferralLink.linked_on, span))
        .group_by(linked, kind, ReferralLink.status)
    ))  # fmt: skip
    ended = at.of(Referral.ended_at)
    add("end_reason", session.execute(
        select(ended, Referral.end_reason, func.count())
        .where(sql.in_period(Referral.ended_at, span)).group_by(ended, Referral.end_reason)
    ))  # fmt: skip
    held = at.of(FollowUp.held_on, moment=False)
    add("follow_up", session.execute(
        select(held, func.count(FollowUp.id))
        .where(sql.on_days(FollowUp.held_on, span)).group_by(held)
    ))  # fmt: skip
    withdrawn = at.of(Consent.withdrawn_at)
    add("withdrawal", session.execute(
        select(withdrawn, func.count(Consent.id))
        .where(sql.in_period(Consent.withdrawn_at, span)).group_by(withdrawn)
    ))  # fmt: skip
    met = at.of(SupportMeeting.held_on, moment=False)
    add("meeting", session.execute(
        select(met, func.count(SupportMeeting.id))
        .where(sql.on_days(SupportMeeting.held_on, span)).group_by(met)
    ))  # fmt: skip
    add("meeting_with", meeting_counts.by_kind(session, span, met))
    return found


def minutes(session: Session, span: Period, *, by_day: bool) -> Minutes:
    """Whole minutes from receipt to acknowledgement and to first contact of the cases received
    in ``span``: how many cases took each number of minutes, by month or day of receipt."""
    bucket = _Buckets(session, by_day).of(Referral.received_at)
    out: Minutes = {}
    for figure, moment in TIMES.items():
        taken = sql.whole_minutes(session, Referral.received_at, moment)
        query = (
            select(bucket, taken, func.count())
            .where(sql.in_period(Referral.received_at, span), moment.is_not(None))
            .group_by(bucket, taken)
        )
        out[figure] = Counter(
            {(bucket_key(b), int(m)): int(n) for b, m, n in session.execute(query)}
        )
    return out


def reference_times(session: Session, span: Period) -> dict[str, tuple[int, list[float | None]]]:
    """The two times' (count, [median, 90th percentile]) over ``span``, computed by the database
    from the cases themselves: the reference the daily histograms must agree with."""
    received = sql.in_period(Referral.received_at, span)
    return {
        figure: sql.percentiles(
            session, sql.whole_minutes(session, Referral.received_at, moment), received, (0.5, 0.9)
        )
        for figure, moment in TIMES.items()
    }


def first_day(session: Session) -> date | None:
    """The first day anything the referral figures count happened on (Japan time)."""
    firsts: list[Any] = [
        session.scalar(select(func.min(column)))
        for column in (Referral.received_at, ReferralLink.linked_on, Referral.ended_at,
                       FollowUp.held_on, Consent.withdrawn_at, SupportMeeting.held_on)
    ]  # fmt: skip
    days = [in_tokyo(v).date() if isinstance(v, datetime) else v for v in firsts if v is not None]
    return min(days, default=None)
