"""Structured demo hours (``data/schedules.toml``), read from the fact sheet by a person.

Each entry names a service of the sheet and quotes the sheet's hours text; an entry whose quote
no longer matches the service's hours text is refused, so the structured hours can never drift
from the text shown beside them. Anything it cannot read is an error naming the entry: a wrong
hour in a crisis directory is worse than no hour.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from core.timezone import TOKYO
from directory.fact_notes import split_notes
from directory.models import Schedule, Service

SCHEDULES = Path(__file__).resolve().parent / "data" / "schedules.toml"
WEEKDAYS = "月火水木金土日"
# Yearly closed dates are expanded from last year to this many years ahead; loading the demo
# again renews them.
YEARS_AHEAD = 10
ENTRY_KEYS = {
    "source_hours",
    "closed_on_holidays",
    "closed_over_year_end",
    "ranges",
    "closed_every_year",
}
RANGE_KEYS = {"days", "opens", "closes", "last_intake", "all_day"}
CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
MONTH_DAY = re.compile(r"(\d{2})-(\d{2})")


class ScheduleDataError(ValueError):
    """An entry of schedules.toml that cannot be loaded as it stands."""


def read_schedules(path: Path = SCHEDULES) -> dict[str, dict[str, Any]]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def add_demo_schedules(
    services: Mapping[str, Service], path: Path = SCHEDULES, *, today: date | None = None
) -> int:
    """Give each listed service (by name) its hours; returns how many services were set."""
    today = today or datetime.now(TOKYO).date()
    entries = read_schedules(path)
    for name, entry in entries.items():
        _apply(services.get(name), name, entry, today)
    return len(entries)


def _apply(service: Service | None, name: str, entry: dict[str, Any], today: date) -> None:
    if service is None:
        raise ScheduleDataError(f"{name}: no such service in the fact sheet")
    unknown = set(entry) - ENTRY_KEYS
    if unknown:
        raise ScheduleDataError(f"{name}: unknown keys {sorted(unknown)}")
    # The service shows the sheet's hours without its research notes ("（2020年時点）").
    if split_notes(str(entry.get("source_hours", "")))[0] != service.hours_note:
        raise ScheduleDataError(f"{name}: source_hours differs from the fact sheet; read it again")
    service.closed_on_holidays = _flag(name, entry, "closed_on_holidays")
    service.closed_over_year_end = _flag(name, entry, "closed_over_year_end")
    rows = [row for spec in entry.get("ranges", []) for row in _weekly_rows(name, spec)]
    if not rows:
        raise ScheduleDataError(f"{name}: no ranges")
    rows += list(_yearly_closures(name, entry.get("closed_every_year", []), today))
    service.schedules = rows


def _flag(name: str, entry: dict[str, Any], key: str) -> bool:
    value = entry.get(key)
    if not isinstance(value, bool):
        raise ScheduleDataError(f"{name}: {key} must be true or false")
    return value


def _weekly_rows(name: str, spec: dict[str, Any]) -> Iterator[Schedule]:
    unknown = set(spec) - RANGE_KEYS
    if unknown:
        raise ScheduleDataError(f"{name}: unknown range keys {sorted(unknown)}")
    days = spec.get("days")
    if not days or not isinstance(days, list) or len(set(days)) != len(days):
        raise ScheduleDataError(f'{name}: days must list distinct weekdays, e.g. ["月", "火"]')
    if spec.get("all_day") is True:
        if "opens" in spec or "closes" in spec or "last_intake" in spec:
            raise ScheduleDataError(f"{name}: an all-day range takes no times")
        opens = closes = time(0)  # opening and closing at the same time: the whole day
        last_intake = None
    else:
        opens = _clock(name, spec.get("opens"))
        closes = _clock(name, spec.get("closes"))
        last = spec.get("last_intake")
        last_intake = None if last is None else _clock(name, last)
    for day in days:
        if not isinstance(day, str) or day not in WEEKDAYS or len(day) != 1:
            raise ScheduleDataError(f"{name}: unknown weekday {day!r}")
        yield Schedule(
            kind="weekly",
            weekday=WEEKDAYS.index(day),
            opens_at=opens,
            closes_at=closes,
            last_intake_at=last_intake,
            closed=False,
        )


def _clock(name: str, value: object) -> time:
    match = CLOCK.fullmatch(value) if isinstance(value, str) else None
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ScheduleDataError(f"{name}: malformed time {value!r} (expected H:MM)")
    return time(int(match[1]), int(match[2]))


def _yearly_closures(name: str, values: list[Any], today: date) -> Iterator[Schedule]:
    for value in values:
        match = MONTH_DAY.fullmatch(value) if isinstance(value, str) else None
        if match is None or value == "02-29":
            raise ScheduleDataError(f"{name}: malformed yearly date {value!r} (expected MM-DD)")
        for year in range(today.year - 1, today.year + YEARS_AHEAD + 1):
            try:
                day = date(year, int(match[1]), int(match[2]))
            except ValueError:
                raise ScheduleDataError(f"{name}: no such date {value!r}") from None
            yield Schedule(
                kind="exception",
                valid_from=day,
                valid_to=day,
                closed=True,
                description=f"毎年{day.month}月{day.day}日は休み",
            )
