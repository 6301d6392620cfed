"""The period a set of figures covers: a month, a fiscal year (April to March) or a range of days.

Dates are days on the Japanese wall clock (`core.timezone`); the end is exclusive. A fiscal year
is named by the year it starts in (2026年度 runs from 1 April 2026 to 31 March 2027) and labelled
in the Japanese calendar beside the western dates: 「令和8年度（2026年4月〜2027年3月）」.

The era is worked out here rather than by a library: Babel knows the era names but formats no
Japanese-calendar years, and only two eras matter to the programme's records. 令和 began on
1 May 2019; a fiscal year is named by the era of its first day, as municipalities do (so the
fiscal year that began in April 2019 is 平成31年度).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from core.timezone import TOKYO

# (first day, name), newest first.
ERAS = ((date(2019, 5, 1), "令和"), (date(1989, 1, 8), "平成"))
# A custom range is at most this long: the page and the exports stay quick.
MAX_DAYS = 366 * 5


WHOLE_MONTHS_MESSAGE = (
    "案件を見る権限のない方は、期間を月の初日から月末までの月単位で指定してください"
    "（少ない件数から一人の方のことが推測されないようにするためです）。"
)


class PeriodError(ValueError):
    """A period that cannot be: the message is Japanese, for the page."""


def era_year(day: date) -> tuple[str, int]:
    """The era and its year on ``day``: (令和, 8) on 2026-05-01. 1 is 元年 when written out."""
    for first, name in ERAS:
        if day >= first:
            return name, day.year - first.year + 1
    raise PeriodError("平成より前の日付は扱いません。")


def _year_text(name: str, number: int) -> str:
    return f"{name}{'元' if number == 1 else number}年"


def wareki_date(day: date) -> str:
    """令和8年5月1日."""
    name, number = era_year(day)
    return f"{_year_text(name, number)}{day.month}月{day.day}日"


def fiscal_year_of(day: date) -> int:
    """The fiscal year ``day`` falls in, named by the year it starts in."""
    return day.year if day.month >= 4 else day.year - 1


def wareki_fiscal_year(year: int) -> str:
    """令和8年度 for 2026; named by the era on its first day (1 April)."""
    name, number = era_year(date(year, 4, 1))
    return f"{_year_text(name, number)[:-1]}年度"


@dataclass(frozen=True)
class Period:
    start: date  # first day, Japan time
    end: date  # the day after the last, exclusive
    kind: str  # "month", "fiscal_year" or "range"

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        if not 1 <= month <= 12:
            raise PeriodError("月は1から12の数字で指定してください。")
        start = date(year, month, 1)
        end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        return cls._checked(start, end, "month")

    @classmethod
    def fiscal_year(cls, year: int) -> Period:
        """The fiscal year that starts in April of ``year``."""
        return cls._checked(date(year, 4, 1), date(year + 1, 4, 1), "fiscal_year")

    @classmethod
    def between(cls, first: date, last: date) -> Period:
        """From ``first`` to ``last``, both days included."""
        if last < first:
            raise PeriodError("終わりの日は始まりの日と同じか、それより後にしてください。")
        if (last - first).days + 1 > MAX_DAYS:
            raise PeriodError("期間は5年以内にしてください。")
        return cls._checked(first, last + timedelta(days=1), "range")

    def in_whole_months(self) -> Period:
        """This period, if it is whole months; for staff who may not read cases (analysts).

        Exact counts of a few days can describe one case (its district, age band, categories),
        and two ranges a day apart tell that day's by their difference: ranges of whole months
        tell no more than the months themselves, which every role may read."""
        whole = self.start.day == 1 and self.end.day == 1
        if self.kind == "range" and not whole:
            raise PeriodError(WHOLE_MONTHS_MESSAGE)
        return self

    @classmethod
    def _checked(cls, start: date, end: date, kind: str) -> Period:
        if start < ERAS[-1][0]:
            raise PeriodError("平成より前の期間は扱いません。")
        if start.year > 2200:
            raise PeriodError("年が大きすぎます。")
        return cls(start, end, kind)

    @property
    def last(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def start_utc(self) -> datetime:
        """The first moment of the period, for comparing stored (UTC) times."""
        return datetime.combine(self.start, time(), TOKYO).astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        return datetime.combine(self.end, time(), TOKYO).astimezone(UTC)

    @property
    def fiscal_years(self) -> tuple[int, ...]:
        """The fiscal years the period touches, in order."""
        return tuple(range(fiscal_year_of(self.start), fiscal_year_of(self.last) + 1))

    @property
    def months(self) -> tuple[tuple[int, int], ...]:
        """The (year, month) of every month the period touches, in order."""
        out, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.last.year, self.last.month):
            out.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return tuple(out)

    @property
    def western(self) -> str:
        """The western dates: 2026年4月〜2027年3月, 2026年5月, 2026年5月3日〜2026年6月1日."""
        if self.kind == "month":
            return f"{self.start.year}年{self.start.month}月"
        if self.kind == "fiscal_year":
            return f"{self.start.year}年4月〜{self.start.year + 1}年3月"
        first, last = self.start, self.last
        return (
            f"{first.year}年{first.month}月{first.day}日〜{last.year}年{last.month}月{last.day}日"
        )

    @property
    def label(self) -> str:
        """令和8年度（2026年4月〜2027年3月）; a month or a range with its 和暦 fiscal year(s)."""
        years = self.fiscal_years
        wareki = wareki_fiscal_year(years[0])
        if len(years) > 1:
            wareki += f"〜{wareki_fiscal_year(years[-1])}"
        return f"{wareki}（{self.western}）"

    @property
    def slug(self) -> str:
        """For file names: fy2026, 2026-05, 2026-05-03_2026-06-01."""
        if self.kind == "fiscal_year":
            return f"fy{self.start.year}"
        if self.kind == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        return f"{self.start.isoformat()}_{self.last.isoformat()}"
