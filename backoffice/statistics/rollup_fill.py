"""Bringing the daily totals (`models`) up to date: the days never computed or marked stale
(`stale`) are computed again with the reference SQL restricted to them (`referral_counts`, by
day); stale days close together in one run. Then the months and fiscal years they belong to
are summed again from their days, and those of the period never summed are summed.

Written in the caller's transaction. On PostgreSQL recomputations take turns (a transaction
level advisory lock), so two readers never write the same day at once; SQLite lets one writer
in at a time anyway. Stale marks are read before the cases and deleted by id afterwards: a
write committed meanwhile leaves its mark for the next reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import and_, delete, func, insert, literal, or_, select
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
from core.db import utcnow
from core.timezone import tokyo_today

LOCK_KEY = 0x7473_7461  # pg_advisory_xact_lock: one recomputation at a time
MAX_RUNS = 12  # stale days further apart are merged into at most this many runs
ID_SLICE = 500


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def year_start(day: date) -> date:
    """1 April of the fiscal year ``day`` falls in."""
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def refresh(session: Session, span: Period) -> int:
    """Compute the days of ``span`` never computed or marked stale, then the sums of its whole
    months and fiscal years; how many days were computed."""
    if not _needs_work(session, span):
        return 0
    if sql.dialect(session) == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(LOCK_KEY)))
    stale = or_(StatisticsStaleDay.day.is_(None), sql.on_days(StatisticsStaleDay.day, span))
    marks = session.execute(
        select(StatisticsStaleDay.id, StatisticsStaleDay.day).where(stale)
    ).all()
    if any(day is None for _, day in marks):  # every day is stale: forget them all
        session.execute(delete(StatisticsDay))
    built = set(session.scalars(select(StatisticsDay.day).where(_built("d", span))))
    wanted = {day for _, day in marks if day is not None} | (set(days_of(span)) - built)
    done: list[date] = []
    for run in runs(sorted(wanted)):
        fill(session, run)
        done += days_of(run)
    _mark_built(session, "d", done)
    _drop_sums(session, done)
    _sum_months_and_years(session, span)
    ids = [mark_id for mark_id, _ in marks]
    for start in range(0, len(ids), ID_SLICE):
        part = ids[start : start + ID_SLICE]
        session.execute(delete(StatisticsStaleDay).where(StatisticsStaleDay.id.in_(part)))
    return len(done)


def _built(span: str, period: Period) -> object:
    return and_(StatisticsDay.span == span, sql.on_days(StatisticsDay.day, period))


def _count_built(session: Session, span: str, period: Period) -> int:
    return session.scalar(select(func.count()).where(_built(span, period))) or 0  # type: ignore[arg-type]


def whole(span: Period) -> tuple[list[date], list[date]]:
    """The first days of the whole months and whole fiscal years inside ``span``."""
    months, day = [], month_start(span.start)
    while next_month(day) <= span.end:
        if day >= span.start:
            months.append(day)
        day = next_month(day)
    years = [m for m in months if m.month == 4 and date(m.year + 1, 4, 1) <= span.end]
    return months, years


def _needs_work(session: Session, span: Period) -> bool:
    marked = session.scalar(
        select(StatisticsStaleDay.id)
        .where(or_(StatisticsStaleDay.day.is_(None), sql.on_days(StatisticsStaleDay.day, span)))
        .limit(1)
    )
    months, years = whole(span)
    return (
        marked is not None
        or _count_built(session, "d", span) < (span.end - span.start).days
        or _count_built(session, "m", span) < len(months)
        or _count_built(session, "y", span) < len(years)
    )


def fill(session: Session, run: Period) -> None:
    """Replace the daily totals of the days of ``run`` with counts from the case tables."""
    for model in (StatisticsDayCount, StatisticsDayMinutes):
        session.execute(delete(model).where(model.span == "d", sql.on_days(model.day, run)))
    found = referral_counts.bucketed(session, run, by_day=True)
    counts = [
        {"span": "d", "day": date.fromisoformat(day), "figure": figure, "row_key": row,
         "column_key": column, "count": n}
        for figure, counter in found.items()
        for (day, row, column), n in counter.items() if n
    ]  # fmt: skip
    minutes = [
        {"span": "d", "day": date.fromisoformat(day), "figure": figure, "minutes": value,
         "count": n}
        for figure, counter in referral_counts.minutes(session, run, by_day=True).items()
        for (day, value), n in counter.items()
    ]  # fmt: skip
    for model, rows in ((StatisticsDayCount, counts), (StatisticsDayMinutes, minutes)):
        if rows:
            session.execute(insert(model.__table__), rows)


def _mark_built(session: Session, span: str, days: Sequence[date]) -> None:
    if not days:
        return
    if span == "d":
        for run in runs(sorted(days)):
            session.execute(delete(StatisticsDay).where(_built("d", run)))
    else:
        session.execute(
            delete(StatisticsDay).where(StatisticsDay.span == span, StatisticsDay.day.in_(days))
        )
    now = utcnow()
    rows = [{"span": span, "day": d, "built_at": now} for d in days]
    session.execute(insert(StatisticsDay.__table__), rows)


def _drop_sums(session: Session, days: Sequence[date]) -> None:
    """Forget the sums of the months and fiscal years of days just computed again."""
    months, years = {month_start(d) for d in days}, {year_start(d) for d in days}
    for span, firsts in (("m", sorted(months)), ("y", sorted(years))):
        for start in range(0, len(firsts), ID_SLICE):
            part = firsts[start : start + ID_SLICE]
            for model in (StatisticsDay, StatisticsDayCount, StatisticsDayMinutes):
                session.execute(delete(model).where(model.span == span, model.day.in_(part)))


def _sum_months_and_years(session: Session, span: Period) -> None:
    """Sum the whole months of ``span`` from their days and its whole fiscal years' minutes
    from their months, where not summed yet (every day of ``span`` is computed by now)."""
    months, years = whole(span)
    have = {
        (kind, day)
        for kind, day in session.execute(
            select(StatisticsDay.span, StatisticsDay.day).where(
                StatisticsDay.span.in_(("m", "y")), sql.on_days(StatisticsDay.day, span)
            )
        )
    }
    new_months = [m for m in months if ("m", m) not in have]
    for first in new_months:
        month = Period(first, next_month(first), "month")
        _sum_into(session, StatisticsDayCount, "d", month, "m", first)
        _sum_into(session, StatisticsDayMinutes, "d", month, "m", first)
    _mark_built(session, "m", new_months)
    new_years = [y for y in years if ("y", y) not in have]
    for first in new_years:
        year = Period(first, date(first.year + 1, 4, 1), "fiscal_year")
        _sum_into(session, StatisticsDayMinutes, "m", year, "y", first)
    _mark_built(session, "y", new_years)


def _sum_into(
    session: Session, model: type, source: str, period: Period, span: str, first: date
) -> None:
    keys = (
        [model.figure, model.row_key, model.column_key]  # type: ignore[attr-defined]
        if model is StatisticsDayCount
        else [model.figure, model.minutes]  # type: ignore[attr-defined]
    )
    rows = (
        select(literal(span), literal(first), *keys, func.sum(model.count))  # type: ignore[attr-defined]
        .where(model.span == source, sql.on_days(model.day, period))  # type: ignore[attr-defined]
        .group_by(*keys)
    )
    names = ["span", "day", *(key.key for key in keys), "count"]
    session.execute(insert(model.__table__).from_select(names, rows))  # type: ignore[attr-defined]


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
    """Forget every total and compute them again, from the first day with something counted to
    yesterday, a fiscal year at a time; how many days were computed."""
    today = today or tokyo_today()
    for model in (StatisticsDay, StatisticsDayCount, StatisticsDayMinutes):
        session.execute(delete(model))
    first = referral_counts.first_day(session)
    done = 0
    while first is not None and first < today:
        last = min(date(year_start(first).year + 1, 4, 1), today)
        done += refresh(session, Period(first, last, "range"))
        first = last
    return done
