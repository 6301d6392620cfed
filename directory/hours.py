"""Opening hours and "open now", in Japanese time and with the Japanese calendar.

A crisis directory must never say "open" when nobody will answer, so the rules are explicit:

- Everything is reckoned in Asia/Tokyo wall time, whatever the server's zone. Instants may come in
  any zone and are converted; naive ones are refused, since their zone would be a guess.
- "Open" means a new contact is accepted: from ``opens_at`` up to ``last_intake_at`` when one is
  given, else up to ``closes_at``. Open at the opening minute, closed at the closing minute.
- A range belongs to the day it starts. Sunday 22:00–6:00 runs into Monday: a holiday, the
  year-end closure or an exception on Sunday removes the whole range; one on Monday does not cut
  it short. So a range begun on 12/28 may run into the morning of 12/29.
- An exception replaces the weekly ranges of its dates: ``closed`` wins; otherwise its special
  hours apply, even on a holiday or in the year-end closure (it is the most specific fact).
- Touching ranges join, so a 24-hour service stored as seven 0:00–0:00 days never "closes soon".
- A schedule without weekly ranges is unknown; so is one with a row that cannot be read (a range
  without a time, an exception without a date): rather than half-right, the page shows the text.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal, Protocol

import holidays

from core.timezone import TOKYO

HORIZON = timedelta(days=14)
ONE_DAY = timedelta(days=1)
WEEKDAYS = "月火水木金土日"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAY_NAMES_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HOLIDAY_NOTE = "祝日は休み"
YEAR_END_NOTE = "12月29日〜1月3日は休み"
HOLIDAY_NOTE_EN = "Closed on public holidays."
YEAR_END_NOTE_EN = "Closed from 29 December to 3 January."
# Each text in Japanese, in English and in やさしい日本語 (short, plain, phrases spaced: the
# /easy/ pages; readings are added where they are shown).
ALWAYS_OPEN = ("24時間受付", "Open around the clock", "24時間 いつでも 相談できます")
NO_OPENING = (
    "14日以内に受付の予定はありません",
    "No opening in the next 14 days",
    "これから 14日の あいだ 相談できる 日は ありません",
)

State = Literal["open", "closing_soon", "closed", "unknown"]
LABELS: dict[str, tuple[str, str, str]] = {
    "open": ("受付中", "Open now", "いま 相談できます"),
    "closing_soon": ("まもなく終了", "Closing soon", "もうすぐ 終わります"),
    "closed": ("受付時間外", "Closed now", "いまは 相談できません"),
    "unknown": (
        "受付時間の案内をご確認ください",
        "Check the hours below",
        "相談できる 時間を 見て ください",
    ),
}

log = logging.getLogger(__name__)
# The maintained calendar (substitute holidays and 国民の休日 included); it fills years on demand.
_JAPAN = holidays.country_holidays("JP")

Span = tuple[datetime, datetime]


class ScheduleRow(Protocol):
    """A schedule row: `directory.models.Schedule`, or a result summary's copy of one."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def weekday(self) -> int | None: ...
    @property
    def opens_at(self) -> time | None: ...
    @property
    def closes_at(self) -> time | None: ...
    @property
    def last_intake_at(self) -> time | None: ...
    @property
    def valid_from(self) -> date | None: ...
    @property
    def valid_to(self) -> date | None: ...
    @property
    def closed(self) -> bool: ...


class WithHours(Protocol):
    """What the hours of a service are read from: a `Service`, or a result summary."""

    @property
    def id(self) -> str: ...
    @property
    def schedules(self) -> Sequence[ScheduleRow]: ...
    @property
    def closed_on_holidays(self) -> bool: ...
    @property
    def closed_over_year_end(self) -> bool: ...


@lru_cache(maxsize=2048)
def is_public_holiday(day: date) -> bool:
    return day in _JAPAN


def in_year_end(day: date) -> bool:
    """12/29 to 1/3 inclusive, the usual year-end closure of public offices."""
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def to_tokyo(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("opening hours need a timezone-aware instant")
    return moment.astimezone(TOKYO)


@dataclass(frozen=True)
class Hours:
    """One range: opening, closing and (optionally) last-intake wall-clock times."""

    opens: time
    closes: time
    last_intake: time | None = None

    def span(self, day: date) -> Span:
        """When intake is open for the range starting on ``day``: [start, end) in Tokyo time."""
        start = datetime.combine(day, self.opens, TOKYO)
        end = _next_at(start, self.closes)
        if self.last_intake is not None:
            end = min(end, _next_at(start, self.last_intake))
        return start, end


def _next_at(start: datetime, clock: time) -> datetime:
    """The first ``clock`` after ``start``: a whole day later when it is the same time."""
    moment = datetime.combine(start.date(), clock, TOKYO)
    return moment if moment > start else moment + ONE_DAY


@dataclass(frozen=True)
class WeeklyHours:
    weekday: int  # Monday = 0
    hours: Hours
    valid_from: date | None = None
    valid_to: date | None = None

    def applies(self, day: date) -> bool:
        return (
            day.weekday() == self.weekday
            and (self.valid_from is None or self.valid_from <= day)
            and (self.valid_to is None or day <= self.valid_to)
        )


@dataclass(frozen=True)
class DateException:
    first: date
    last: date
    hours: Hours | None  # None: closed on these dates

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class HoursSpec:
    """A service's hours without the ORM, so the rules can be tested on plain values."""

    weekly: tuple[WeeklyHours, ...] = ()
    exceptions: tuple[DateException, ...] = ()
    closed_on_holidays: bool = False
    closed_over_year_end: bool = False

    @classmethod
    def from_service(cls, service: WithHours) -> HoursSpec:
        """Raises ValueError naming the row when one cannot be read."""
        weekly = [_weekly(row) for row in service.schedules if row.kind == "weekly"]
        exceptions = [_exception(row) for row in service.schedules if row.kind == "exception"]
        if len(weekly) + len(exceptions) != len(service.schedules):
            raise ValueError("a schedule row has an unknown kind")
        return cls(
            tuple(weekly),
            tuple(exceptions),
            bool(service.closed_on_holidays),
            bool(service.closed_over_year_end),
        )

    @property
    def known(self) -> bool:
        return bool(self.weekly)

    def hours_on(self, day: date) -> list[Hours]:
        """The ranges that start on ``day``, after exceptions and closures."""
        exceptions = [e for e in self.exceptions if e.covers(day)]
        if exceptions:
            special = [e.hours for e in exceptions if e.hours is not None]
            return special if len(special) == len(exceptions) else []
        if self.closed_over_year_end and in_year_end(day):
            return []
        if self.closed_on_holidays and is_public_holiday(day):
            return []
        return [w.hours for w in self.weekly if w.applies(day)]

    def spans(self, first: date, last: date) -> list[Span]:
        """Intake spans of the ranges starting ``first``..``last``, sorted, touching ones joined."""
        raw = sorted(hours.span(day) for day in _days(first, last) for hours in self.hours_on(day))
        joined: list[Span] = []
        for start, end in raw:
            if joined and start <= joined[-1][1]:
                joined[-1] = (joined[-1][0], max(joined[-1][1], end))
            else:
                joined.append((start, end))
        return joined

    def is_open(self, moment: datetime) -> bool:
        local = to_tokyo(moment)
        # No range is longer than a day, so only yesterday's and today's can cover the instant.
        spans = self.spans(local.date() - ONE_DAY, local.date())
        return self.known and any(start <= local < end for start, end in spans)


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += ONE_DAY


def _hours(row: ScheduleRow) -> Hours:
    if row.opens_at is None or row.closes_at is None:
        raise ValueError(f"schedule {row.id}: a range needs opens_at and closes_at")
    return Hours(row.opens_at, row.closes_at, row.last_intake_at)


def _weekly(row: ScheduleRow) -> WeeklyHours:
    if row.weekday is None or not 0 <= row.weekday <= 6:
        raise ValueError(f"schedule {row.id}: weekday must be 0 (Monday) to 6")
    return WeeklyHours(row.weekday, _hours(row), row.valid_from, row.valid_to)


def _exception(row: ScheduleRow) -> DateException:
    if row.valid_from is None:
        raise ValueError(f"schedule {row.id}: an exception needs valid_from")
    last = row.valid_to or row.valid_from  # no end date: that single day
    if last < row.valid_from:
        raise ValueError(f"schedule {row.id}: valid_to is before valid_from")
    return DateException(row.valid_from, last, None if row.closed else _hours(row))


def _spec(service: WithHours) -> HoursSpec:
    try:
        return HoursSpec.from_service(service)
    except ValueError as error:
        log.warning("hours of service %s shown as unknown: %s", service.id, error)
        return HoursSpec()


# ---- open now ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HoursStatus:
    state: State
    label: str
    label_en: str
    closes_at: datetime | None  # end of the current intake (Tokyo); None if beyond 14 days
    next_opens_at: datetime | None  # next opening within 14 days (after closes_at when open)
    summary: str  # Japanese; empty when unknown (show the hours text instead)
    summary_en: str = ""  # the same in English
    label_easy: str = ""  # both in やさしい日本語
    summary_easy: str = ""

    def text(self, part: str, lang: str) -> str:
        """``label`` or ``summary`` in a page's language (ja, easy, en; another: English)."""
        suffix = {"ja": "", "easy": "_easy"}.get(lang, "_en")
        return str(getattr(self, part + suffix))


def open_at(service: WithHours, moment: datetime) -> bool:
    return _spec(service).is_open(moment)


def service_status(
    service: WithHours, moment: datetime, *, closing_soon_minutes: int = 30
) -> HoursStatus:
    return status_of(_spec(service), moment, closing_soon_minutes=closing_soon_minutes)


def status_of(spec: HoursSpec, moment: datetime, *, closing_soon_minutes: int = 30) -> HoursStatus:
    if closing_soon_minutes < 0:
        raise ValueError("closing_soon_minutes cannot be negative")
    local = to_tokyo(moment)
    if not spec.known:
        return _status("unknown", None, None, ("", "", ""))
    horizon = local + HORIZON
    # Ranges starting on the horizon's date are included, so every span that starts before
    # the horizon, and every join with one, is complete.
    spans = spec.spans(local.date() - ONE_DAY, horizon.date())
    current = next(((start, end) for start, end in spans if start <= local < end), None)
    after = current[1] if current else local
    upcoming = next((start for start, _ in spans if start > after), None)
    next_opens = upcoming if upcoming is not None and upcoming <= horizon else None
    if current is None:
        summary = _next_open_summary(next_opens) if next_opens else NO_OPENING
        return _status("closed", None, next_opens, summary)
    closes = current[1] if current[1] <= horizon else None
    if closes is None:
        return _status("open", None, next_opens, ALWAYS_OPEN)
    soon = closes - local <= timedelta(minutes=closing_soon_minutes)
    return _status(
        "closing_soon" if soon else "open", closes, next_opens, _until_summary(closes, local)
    )


def _next_open_summary(next_opens: datetime) -> tuple[str, str, str]:
    return (
        f"次の受付: {_when(next_opens)}から",
        f"Next open: {_when_en(next_opens)}",
        f"次は {_when(next_opens)}から 相談できます",
    )


def _until_summary(closes: datetime, local: datetime) -> tuple[str, str, str]:
    return (
        f"{_until(closes, local)}まで受付",
        f"Open until {_until_en(closes, local)}",
        f"{_until(closes, local).replace('翌', '次の 日の ')}まで 相談できます",
    )


def status_texts() -> Iterator[str]:
    """Every shape of text a status can show (labels and summaries, in each language): a
    summary differs from another of its shape only in numbers and days of the week, so these
    hold every word any service's status will show (for the stored readings of easy pages)."""
    for labels in LABELS.values():
        yield from labels
    yield from (*ALWAYS_OPEN, *NO_OPENING)
    local = datetime(2026, 1, 5, 12, 0, tzinfo=TOKYO)  # a Monday noon
    for later in (timedelta(hours=5), timedelta(hours=14), timedelta(days=3)):
        yield from _next_open_summary(local + later)
        yield from _until_summary(local + later, local)


def _status(
    state: State,
    closes: datetime | None,
    next_opens: datetime | None,
    summary: tuple[str, str, str],
) -> HoursStatus:
    label, label_en, label_easy = LABELS[state]
    ja, en, easy = summary
    return HoursStatus(state, label, label_en, closes, next_opens, ja, en, label_easy, easy)


def _clock(value: time | datetime) -> str:
    return f"{value.hour}:{value.minute:02d}"


def _when(moment: datetime) -> str:
    return f"{moment.month}月{moment.day}日({WEEKDAYS[moment.weekday()]}) {_clock(moment)}"


def _when_en(moment: datetime) -> str:
    month = MONTHS_EN[moment.month - 1]  # not strftime: the server's locale must not matter
    return f"{WEEKDAYS_EN[moment.weekday()]} {moment.day} {month} {_clock(moment)}"


def _until_en(closes: datetime, local: datetime) -> str:
    if closes.date() == local.date():
        return _clock(closes)
    if closes.date() == local.date() + ONE_DAY:
        return f"{_clock(closes)} tomorrow"
    return _when_en(closes)


def _until(closes: datetime, local: datetime) -> str:
    if closes.date() == local.date():
        return _clock(closes)
    if closes.date() == local.date() + ONE_DAY:
        return "翌" + _clock(closes)
    return _when(closes)


# ---- the weekly table ----------------------------------------------------------------------


@dataclass(frozen=True)
class DayHours:
    weekday: int  # Monday = 0
    name: str  # 月
    name_en: str  # Mon
    ranges: list[str]  # "9:00–17:00", "22:00–翌6:00", "24時間"; empty when closed
    notes: list[str]  # "受付は16:30まで"
    ranges_en: list[str]  # "9:00–17:00", "22:00–6:00 next day", "24 hours"
    notes_en: list[str]  # "last call 16:30"

    @property
    def closed(self) -> bool:
        return not self.ranges

    @property
    def label(self) -> str:
        return f"{self.name}曜日"

    @property
    def label_en(self) -> str:
        return WEEKDAY_NAMES_EN[self.weekday]

    @property
    def text(self) -> str:
        """One cell of the table: "9:00–12:00、13:00–17:00（受付は16:30まで）" or "休み"."""
        text = "、".join(self.ranges) or "休み"
        return text + "".join(f"（{note}）" for note in self.notes)

    @property
    def text_en(self) -> str:
        """The same cell in English: "9:00–12:00, 13:00–17:00 (last call 16:30)" or "Closed"."""
        text = ", ".join(self.ranges_en) or "Closed"
        return text + "".join(f" ({note})" for note in self.notes_en)


class WeeklyTable(list[DayHours]):
    """Monday..Sunday, with ``notes`` for the closures that apply to every day."""

    def __init__(
        self,
        days: Iterable[DayHours] = (),
        notes: Iterable[str] = (),
        notes_en: Iterable[str] = (),
    ) -> None:
        super().__init__(days)
        self.notes, self.notes_en = list(notes), list(notes_en)


def weekly_table(service: WithHours) -> WeeklyTable:
    """The regular week for the service page; empty when the hours are unknown."""
    spec = _spec(service)
    if not spec.known:
        return WeeklyTable()
    closures = [
        (HOLIDAY_NOTE, HOLIDAY_NOTE_EN, spec.closed_on_holidays),
        (YEAR_END_NOTE, YEAR_END_NOTE_EN, spec.closed_over_year_end),
    ]
    return WeeklyTable(
        (_day(spec, weekday) for weekday in range(7)),
        [ja for ja, _, applies in closures if applies],
        [en for _, en, applies in closures if applies],
    )


def _day(spec: HoursSpec, weekday: int) -> DayHours:
    ranges = sorted((w for w in spec.weekly if w.weekday == weekday), key=lambda w: w.hours.opens)
    labels = [range_label(w.hours) + _validity(w) for w in ranges]
    labels_en = [range_label_en(w.hours) + _validity_en(w) for w in ranges]
    intakes = [(w, last) for w in ranges if (last := w.hours.last_intake) is not None]
    notes = [
        f"受付は{'翌' if last <= w.hours.opens else ''}{_clock(last)}まで" for w, last in intakes
    ]
    notes_en = [
        f"last call {_clock(last)}{' next day' if last <= w.hours.opens else ''}"
        for w, last in intakes
    ]
    return DayHours(
        weekday, WEEKDAYS[weekday], WEEKDAYS_EN[weekday], labels, notes, labels_en, notes_en
    )


def range_label(hours: Hours) -> str:
    if hours.opens == hours.closes == time(0):
        return "24時間"
    next_day = "翌" if hours.closes <= hours.opens else ""
    return f"{_clock(hours.opens)}–{next_day}{_clock(hours.closes)}"


def range_label_en(hours: Hours) -> str:
    if hours.opens == hours.closes == time(0):
        return "24 hours"
    next_day = " next day" if hours.closes <= hours.opens else ""
    return f"{_clock(hours.opens)}–{_clock(hours.closes)}{next_day}"


def _validity_en(weekly: WeeklyHours) -> str:
    if weekly.valid_from is None and weekly.valid_to is None:
        return ""
    first = f"from {_date_en(weekly.valid_from)}" if weekly.valid_from else ""
    last = f"until {_date_en(weekly.valid_to)}" if weekly.valid_to else ""
    return f" ({' '.join(part for part in (first, last) if part)})"


MONTH_NAMES_EN = ("January", "February", "March", "April", "May", "June", "July", "August")
MONTH_NAMES_EN += ("September", "October", "November", "December")


def _date_en(day: date) -> str:
    return f"{day.day} {MONTH_NAMES_EN[day.month - 1]} {day.year}"


def _validity(weekly: WeeklyHours) -> str:
    if weekly.valid_from is None and weekly.valid_to is None:
        return ""
    first = _date(weekly.valid_from) if weekly.valid_from else ""
    last = _date(weekly.valid_to) if weekly.valid_to else ""
    return f"（{first}〜{last}）"


def _date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
