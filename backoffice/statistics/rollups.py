"""The referral figures of a period from daily totals (`models`), kept up to date on read.

`read` sums the days of the period before today, after recomputing those never computed or
marked stale by a write since (`stale`); today and later days are counted live from the case
tables, as they are still changing. A day is recomputed with the reference SQL restricted to it
(`referral_counts`, by day); stale days close together are recomputed in one run.

A period is read as the fiscal years, months and days it covers: whole fiscal years from their
yearly histograms of minutes, whole months from their monthly totals, the days at either end
from theirs (`models`). Recomputing (`rollup_fill`) is written in the caller's transaction: the
caller commits (the pages and files do), or the work is simply done again next time.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from backoffice.statistics import figures_sql as sql
from backoffice.statistics import referral_counts
from backoffice.statistics.models import StatisticsDayCount, StatisticsDayMinutes
from backoffice.statistics.periods import Period
from backoffice.statistics.referral_counts import Found
from backoffice.statistics.rollup_fill import month_start, next_month, refresh, year_start
from core.timezone import tokyo_today

FRACTIONS = (0.5, 0.9)
Piece = tuple[str, date, date]  # span ("d", "m", "y") and the days it covers, end exclusive


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


def pieces(span: Period, *, years: bool) -> list[Piece]:
    """``span`` as the days at either end, whole months and (``years``) whole fiscal years."""
    first, last = month_start(span.start), month_start(span.end)
    first = first if first == span.start else next_month(first)
    if first >= last:
        return [("d", span.start, span.end)]
    inner: list[Piece] = [("m", first, last)]
    if years:
        year, end = year_start(first), year_start(last)
        year = year if year == first else date(year.year + 1, 4, 1)
        if year < end:
            inner = [("m", first, year), ("y", year, end), ("m", end, last)]
    out = [("d", span.start, first), *inner, ("d", last, span.end)]
    return [(kind, start, end) for kind, start, end in out if start < end]


def _where(model: Any, covered: list[Piece]) -> Any:
    return or_(*(and_(model.span == kind, model.day >= start, model.day < end)
                 for kind, start, end in covered))  # fmt: skip


def _sums(
    session: Session, span: Period, found: Found, histograms: dict[str, Counter[int]]
) -> None:
    # Core columns, not the mapped ones: thousands of rows without the ORM's row handling.
    counts, minutes = StatisticsDayCount.__table__.c, StatisticsDayMinutes.__table__.c
    month = sql.month_of(session, counts.day, moment=False)
    rows = session.execute(
        select(counts.figure, month, counts.row_key, counts.column_key, func.sum(counts.count))
        .where(_where(counts, pieces(span, years=False)))
        .group_by(counts.figure, month, counts.row_key, counts.column_key)
    ).all()
    for figure, bucket, row, column, n in rows:
        counter = found.get(figure)
        if counter is None:
            counter = found[figure] = Counter()
        counter[(bucket, row, column)] += int(n)
    taken = session.execute(
        select(minutes.figure, minutes.minutes, func.sum(minutes.count))
        .where(_where(minutes, pieces(span, years=True)))
        .group_by(minutes.figure, minutes.minutes)
    ).all()
    for figure, value, n in taken:
        histograms[figure][int(value)] += int(n)  # figures of `referral_counts.TIMES`
