"""The referral figures of a period from daily totals (`models`), kept up to date on read.

`read` sums the days of the period before today, after recomputing those never computed or
marked stale by a write since (`stale`); today and later days are counted live from the case
tables, as they are still changing. A day is recomputed with the reference SQL restricted to it
(`referral_counts`, by day); stale days close together are recomputed in one run.

The recomputation is written in the caller's transaction: the caller commits (the pages and
files do), or the work is simply done again next time. On PostgreSQL recomputations take turns
(a transaction-level advisory lock), so two readers never write the same day at once; SQLite
lets one writer in at a time anyway. Stale marks are read before the cases and deleted by id
afterwards: a write committed meanwhile leaves its mark for the next reader.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.orm import Session

from backoffice.statistics import figures_sql as sql
from backoffice.statistics import referral_counts
from backoffice.statistics.models import (
    StatisticsDay,
    StatisticsDayCount,
    StatisticsDayMinutes,
    StatisticsStaleDay,
)
from backoffice.statistics.periods import Period
from backoffice.statistics.referral_counts import Found
from core.db import utcnow
from core.timezone import tokyo_today

LOCK_KEY = 0x7473_7461  # pg_advisory_xact_lock: one recomputation at a time
MAX_RUNS = 12  # stale days further apart are merged into at most this many runs
FRACTIONS = (0.5, 0.9)
ID_SLICE = 500


def read(
    session: Session, period: Period, *, today: date | None = None
) -> tuple[Found, dict[str, tuple[int, list[float | None]]]]:
    """The period's counts by month (`referral_counts.Found`) and the two times' (count,
    [median, 90th percentile]), from the daily totals and today's live counts."""
    today = today or tokyo_today()
    found: Found = {}
    histograms: dict[str, Counter[int]] = {figure: Counter() for figure in referral_counts.TIMES}
    if period.start < min(period.end, today):
        stored = Period(period.start, min(period.end, today), "range")
        refresh(session, stored)
        _sums(session, stored, found, histograms)
    if max(period.start, today) < period.end:
        live = Period(max(period.start, today), period.end, "range")
        for figure, counter in referral_counts.bucketed(session, live, by_day=False).items():
            found.setdefault(figure, Counter()).update(counter)
        for figure, counter in referral_counts.minutes(session, live, by_day=False).items():
            for (_, minutes), n in counter.items():
                histograms[figure][minutes] += n
    times = {
        figure: (sum(h.values()), percentiles(h, FRACTIONS)) for figure, h in histograms.items()
    }
    return found, times


def percentiles(histogram: Counter[int], fractions: Iterable[float]) -> list[float | None]:
    """Percentiles of the values a histogram counts, interpolated between the two nearest ranks
    exactly as `figures_sql.percentiles` (and PostgreSQL's ``percentile_cont``) does."""
    total = sum(histogram.values())
    if total == 0:
        return [None for _ in fractions]
    ordered = sorted(histogram.items())

    def at(rank: int) -> float:
        seen = 0
        for value, count in ordered:
            seen += count
            if rank < seen:
                return float(value)
        return float(ordered[-1][0])

    out: list[float | None] = []
    for fraction in fractions:
        rank = fraction * (total - 1)
        low = math.floor(rank)
        low_value, high_value = at(low), at(min(low + 1, total - 1))
        out.append(low_value + (high_value - low_value) * (rank - low))
    return out


def _sums(
    session: Session, span: Period, found: Found, histograms: dict[str, Counter[int]]
) -> None:
    day = StatisticsDayCount.day
    month = sql.month_of(session, day, moment=False)
    rows = session.execute(
        select(StatisticsDayCount.figure, month, StatisticsDayCount.row_key,
               StatisticsDayCount.column_key, func.sum(StatisticsDayCount.count))
        .where(sql.on_days(day, span))
        .group_by(StatisticsDayCount.figure, month, StatisticsDayCount.row_key,
                  StatisticsDayCount.column_key)
    )  # fmt: skip
    for figure, bucket, row, column, n in rows:
        counter = found.get(figure)
        if counter is None:
            counter = found[figure] = Counter()
        counter[(bucket, row, column)] += int(n)
    minutes = session.execute(
        select(StatisticsDayMinutes.figure, StatisticsDayMinutes.minutes,
               func.sum(StatisticsDayMinutes.count))
        .where(sql.on_days(StatisticsDayMinutes.day, span))
        .group_by(StatisticsDayMinutes.figure, StatisticsDayMinutes.minutes)
    )  # fmt: skip
    for figure, value, n in minutes:
        histograms[figure][int(value)] += int(n)  # figures of `referral_counts.TIMES`


def refresh(session: Session, span: Period) -> int:
    """Recompute the days of ``span`` never computed or marked stale; how many were."""
    if not _needs_work(session, span):
        return 0
    if sql.dialect(session) == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(LOCK_KEY)))
    marks = session.execute(
        select(StatisticsStaleDay.id, StatisticsStaleDay.day).where(
            or_(StatisticsStaleDay.day.is_(None), sql.on_days(StatisticsStaleDay.day, span))
        )
    ).all()
    built = set(
        session.scalars(select(StatisticsDay.day).where(sql.on_days(StatisticsDay.day, span)))
    )
    if any(day is None for _, day in marks):  # every day is stale: forget them all
        session.execute(delete(StatisticsDay))
        built = set()
    wanted = {day for _, day in marks if day is not None} | (set(days_of(span)) - built)
    done: list[date] = []
    for run in runs(sorted(wanted)):
        fill(session, run)
        done += days_of(run)
    _mark_built(session, done)
    ids = [mark_id for mark_id, _ in marks]
    for start in range(0, len(ids), ID_SLICE):
        part = ids[start : start + ID_SLICE]
        session.execute(delete(StatisticsStaleDay).where(StatisticsStaleDay.id.in_(part)))
    return len(done)


def _needs_work(session: Session, span: Period) -> bool:
    marked = session.scalar(
        select(StatisticsStaleDay.id)
        .where(or_(StatisticsStaleDay.day.is_(None), sql.on_days(StatisticsStaleDay.day, span)))
        .limit(1)
    )
    if marked is not None:
        return True
    built = session.scalar(
        select(func.count()).select_from(StatisticsDay).where(sql.on_days(StatisticsDay.day, span))
    )
    return (built or 0) < (span.end - span.start).days


def fill(session: Session, run: Period) -> None:
    """Replace the daily totals of the days of ``run`` with counts from the case tables."""
    for model in (StatisticsDayCount, StatisticsDayMinutes):
        session.execute(delete(model).where(sql.on_days(model.day, run)))
    found = referral_counts.bucketed(session, run, by_day=True)
    counts = [
        {"day": date.fromisoformat(day), "figure": figure, "row_key": row, "column_key": column,
         "count": n}
        for figure, counter in found.items()
        for (day, row, column), n in counter.items() if n
    ]  # fmt: skip
    minutes = [
        {"day": date.fromisoformat(day), "figure": figure, "minutes": value, "count": n}
        for figure, counter in referral_counts.minutes(session, run, by_day=True).items()
        for (day, value), n in counter.items()
    ]
    for model, rows in ((StatisticsDayCount, counts), (StatisticsDayMinutes, minutes)):
        if rows:
            session.execute(insert(model.__table__), rows)


def _mark_built(session: Session, days: Sequence[date]) -> None:
    if not days:
        return
    for run in runs(sorted(days)):
        session.execute(delete(StatisticsDay).where(sql.on_days(StatisticsDay.day, run)))
    now = utcnow()
    session.execute(insert(StatisticsDay.__table__), [{"day": d, "built_at": now} for d in days])


def days_of(span: Period) -> list[date]:
    return [span.start + timedelta(days=n) for n in range((span.end - span.start).days)]


def runs(days: Sequence[date], limit: int = MAX_RUNS) -> list[Period]:
    """Sorted days as at most ``limit`` ranges, merging the closest (the days between them are
    recomputed too: a few more days cost less than another round of statements)."""
    spans: list[list[date]] = []
    for day in days:
        if spans and (day - spans[-1][1]).days <= 1:
            spans[-1][1] = day
        else:
            spans.append([day, day])
    while len(spans) > limit:
        gap = min(range(len(spans) - 1), key=lambda i: (spans[i + 1][0] - spans[i][1]).days)
        spans[gap : gap + 2] = [[spans[gap][0], spans[gap + 1][1]]]
    return [Period(first, last + timedelta(days=1), "range") for first, last in spans]


def rebuild(session: Session, *, today: date | None = None) -> int:
    """Forget every daily total and compute them again, from the first day with a case to
    yesterday, a fiscal year at a time; how many days were computed."""
    today = today or tokyo_today()
    for model in (StatisticsDay, StatisticsDayCount, StatisticsDayMinutes):
        session.execute(delete(model))
    first = referral_counts.first_day(session)
    done = 0
    while first is not None and first < today:
        last = min(date(first.year + 1 if first.month >= 4 else first.year, 4, 1), today)
        done += refresh(session, Period(first, last, "range"))
        first = last
    return done
