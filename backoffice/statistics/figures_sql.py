"""The SQL the figures share: a day, month and fiscal year in Japan time, the members of a JSON
list column, minutes between two moments, and percentiles; one spelling per database.

Everything here is an expression for a GROUP BY or an aggregate: the figures read counts from
the database and never load a case. Japan has no daylight saving time, so on SQLite "+9 hours"
is the wall clock; PostgreSQL is told the zone by name.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Date, Integer, Select, cast, func, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from backoffice.statistics.periods import Period
from backoffice.statistics.tables import Table

ZONE = "Asia/Tokyo"


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def in_period(column: Any, period: Period) -> ColumnElement[bool]:
    """A stored UTC moment within the period's days (Japan time)."""
    return (column >= period.start_utc) & (column < period.end_utc)


def on_days(column: Any, period: Period) -> ColumnElement[bool]:
    """A date column within the period."""
    return (column >= period.start) & (column < period.end)


def month_of(session: Session, column: Any, *, moment: bool = True) -> ColumnElement[str]:
    """'2026-05': the month, in Japan time for a stored moment (``moment``), of a date else."""
    if dialect(session) == "postgresql":
        local = func.timezone(ZONE, column) if moment else column
        return func.to_char(local, "YYYY-MM")
    return func.strftime("%Y-%m", column, "+9 hours") if moment else func.strftime("%Y-%m", column)


def day_of(session: Session, column: Any, *, moment: bool = True) -> ColumnElement[Any]:
    """The Japan date of a stored moment (``moment``), or a date column as it is."""
    if not moment:
        return column
    if dialect(session) == "postgresql":
        return cast(func.timezone(ZONE, column), Date)
    return type_coerce(func.date(column, "+9 hours"), Date)


def whole_minutes(session: Session, start: Any, end: Any) -> ColumnElement[int]:
    """Whole minutes from ``start`` to ``end``, truncated (seconds and fractions dropped): the
    unit the figures count times in, so that daily histograms give exact medians."""
    if dialect(session) == "postgresql":
        return cast(func.trunc(func.extract("epoch", end - start) / 60), Integer)
    seconds = cast(func.strftime("%s", end), Integer) - cast(func.strftime("%s", start), Integer)
    return seconds // 60  # integers: SQLite divides and truncates


def json_members(session: Session, column: Any) -> Any:
    """A table-valued function with one row (``value``) per member of a JSON list column, to
    join beside the table: ``json_each`` on SQLite, ``json_array_elements_text`` on PostgreSQL."""
    if dialect(session) == "postgresql":
        return func.json_array_elements_text(column).table_valued("value").lateral()
    return func.json_each(column).table_valued("value")


def counts(session: Session, query: Select[Any]) -> dict[Any, int]:
    """A two-column GROUP BY query (key, count) as a mapping."""
    return {key: int(count) for key, count in session.execute(query)}


def percentiles(
    session: Session, value: ColumnElement[float], where: Any, fractions: Iterable[float]
) -> tuple[int, list[float | None]]:
    """How many rows have a value, and the given percentiles of it (linear interpolation
    between the two nearest ranks, as PostgreSQL's ``percentile_cont``).

    PostgreSQL computes them with ``percentile_cont``. SQLite has no such aggregate: the rows
    are counted, then for each fraction the two values at the ranks around it are read in order
    (``ORDER BY … LIMIT 2 OFFSET k``), which reads two numbers, not the rows.
    """
    fractions = list(fractions)
    present = where & value.is_not(None)
    total = session.scalar(select(func.count()).where(present)) or 0
    if total == 0:
        return 0, [None for _ in fractions]
    if dialect(session) == "postgresql":
        aggregates = [func.percentile_cont(f).within_group(value) for f in fractions]
        row = session.execute(select(*aggregates).where(present)).one()
        return total, [float(v) for v in row]
    out: list[float | None] = []
    for fraction in fractions:
        rank = fraction * (total - 1)
        low = math.floor(rank)
        pair = [
            float(v)
            for v in session.scalars(
                select(value).where(present).order_by(value).limit(2).offset(low)
            )
        ]
        high_value = pair[1] if len(pair) > 1 else pair[0]
        out.append(pair[0] + (high_value - pair[0]) * (rank - low))
    return total, out


def one_column(
    key: str,
    title: str,
    labels: Mapping[str, str],
    found: Mapping[Any, int],
    column: str,
    *,
    unit: str = "件",
    other: str = "その他・未記入",
    notes: tuple[str, ...] = (),
) -> Table:
    """Counts by one dimension: a row for every known code (zero included, so the shape of a
    table does not depend on the data), then one row for codes the labels do not know."""
    rows = list(labels.values())
    cells = [[found.get(code, 0)] for code in labels]
    unknown = sum(count for code, count in found.items() if code not in labels)
    if unknown:
        rows.append(other)
        cells.append([unknown])
    return Table.of(key, title, rows, [column], cells, unit=unit, notes=notes)


def month_rows(period: Period) -> tuple[list[str], list[str]]:
    """The months of the period: keys ('2026-05') and labels ('2026年5月')."""
    keys = [f"{year}-{month:02d}" for year, month in period.months]
    labels = [f"{year}年{month}月" for year, month in period.months]
    return keys, labels
