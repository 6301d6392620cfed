"""Scan figures: per batch, per purpose and month, per day; and a bar chart drawn as SVG.

Only counts exist (batch, day, number), so nothing here can say who scanned. But a batch of a
card or two is one household: its days of scans would tell about them. So a batch's figures are
shown only once it has at least the profile's ``statistics_minimum_batch`` cards, and smaller
batches are left out of every sum (`shows_figures`). The public-download batch has no count of
cards (anyone may print it) and is always shown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cards.models import PUBLIC_DOWNLOAD, PURPOSES, CardBatch, ScanCount


@dataclass(frozen=True)
class Bar:
    label: str
    value: int


def shows_figures(batch: CardBatch, minimum_batch: int) -> bool:
    """Whether the batch's scan figures may be shown: enough cards that none tells of one."""
    return batch.purpose == PUBLIC_DOWNLOAD or batch.quantity >= minimum_batch


def _large_enough(minimum_batch: int) -> Any:
    return or_(CardBatch.purpose == PUBLIC_DOWNLOAD, CardBatch.quantity >= minimum_batch)


def totals_by_batch(session: Session, *, minimum_batch: int) -> dict[int, int]:
    """Scans per batch, of the batches whose figures may be shown (`shows_figures`)."""
    rows = session.execute(
        select(ScanCount.batch_id, func.sum(ScanCount.count))
        .join(CardBatch, CardBatch.id == ScanCount.batch_id)
        .where(_large_enough(minimum_batch))
        .group_by(ScanCount.batch_id)
    )
    return {batch_id: int(total or 0) for batch_id, total in rows}


def batch_total(session: Session, batch_id: int) -> int:
    """Every scan of one batch; ask `shows_figures` before showing it."""
    total = session.scalar(select(func.sum(ScanCount.count)).where(ScanCount.batch_id == batch_id))
    return int(total or 0)


def daily(session: Session, batch_id: int, *, first: date, last: date) -> list[Bar]:
    """Every day from ``first`` to ``last`` with its count, zero days included."""
    counts: dict[date, int] = dict(
        session.execute(
            select(ScanCount.day, ScanCount.count).where(
                ScanCount.batch_id == batch_id, ScanCount.day.between(first, last)
            )
        ).all()
    )
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [Bar(f"{day.month}/{day.day}", counts.get(day, 0)) for day in days]


def monthly_by_purpose(
    session: Session, *, months: list[tuple[int, int]], minimum_batch: int
) -> dict[str, dict[tuple[int, int], int]]:
    """purpose → (year, month) → scans, for the given months (oldest first), of the batches
    whose figures may be shown: a small batch's scans would show through a purpose's sum."""
    if not months:
        return {}
    first = date(*months[0], 1)
    rows = session.execute(
        select(CardBatch.purpose, ScanCount.day, ScanCount.count)
        .join(CardBatch, CardBatch.id == ScanCount.batch_id)
        .where(ScanCount.day >= first, _large_enough(minimum_batch))
    )
    table: dict[str, dict[tuple[int, int], int]] = defaultdict(lambda: dict.fromkeys(months, 0))
    for purpose, day, count in rows:
        key = (day.year, day.month)
        if key in months:
            table[purpose][key] += count
    return {purpose: table[purpose] for purpose in PURPOSES if purpose in table}


def last_months(today: date, count: int = 12) -> list[tuple[int, int]]:
    """The ``count`` months up to and including ``today``'s, oldest first."""
    year, month = today.year, today.month
    months = []
    for _ in range(count):
        months.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


def bar_chart(bars: list[Bar], *, title: str, width: int = 640, height: int = 200) -> Markup:
    """A bar chart as inline SVG: presentation attributes only (no style), so CSP allows it.

    It is a picture of the table beside it, so screen readers get the title and skip the rest.
    """
    top, bottom, left = 16, 28, 36
    peak = max((bar.value for bar in bars), default=0) or 1
    slot = (width - left) / max(len(bars), 1)
    scale = (height - top - bottom) / peak
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="chart" role="img" aria-label="{escape(title)}">',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" '
        'stroke="#555555" stroke-width="1"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" font-size="11" '
        f'fill="#333333">{peak}</text>',
    ]
    every = max(1, round(len(bars) / 12))  # at most about 12 labels under the axis
    for index, bar in enumerate(bars):
        bar_height = bar.value * scale
        x = left + index * slot + slot * 0.15
        parts.append(
            f'<rect x="{x:.1f}" y="{height - bottom - bar_height:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{bar_height:.1f}" fill="#1d6f6b"/>'
        )
        if index % every == 0:
            parts.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                f'font-size="11" fill="#333333">{escape(bar.label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every text in it is escaped above)
