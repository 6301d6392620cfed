"""Opening hours: examples for each edge case, then properties against a minute-by-minute model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.timezone import TOKYO
from directory.hours import (
    ALWAYS_OPEN,
    HOLIDAY_NOTE,
    NO_OPENING,
    YEAR_END_NOTE,
    HoursSpec,
    is_public_holiday,
    open_at,
    service_status,
    weekly_table,
)
from directory.models import Schedule, Service

NEW_YORK = ZoneInfo("America/New_York")
EVERY_DAY = range(7)
WEEKDAYS = range(5)
JAPAN = holidays.Japan()


def tokyo(*args: int) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


def weekly(days: range | list[int], opens: time, closes: time, **extra: object) -> list[Schedule]:
    return [
        Schedule(kind="weekly", weekday=d, opens_at=opens, closes_at=closes, **extra) for d in days
    ]


def service(
    *schedules: list[Schedule], on_holidays: bool = False, year_end: bool = False
) -> Service:
    rows = [row for group in schedules for row in group]
    return Service(schedules=rows, closed_on_holidays=on_holidays, closed_over_year_end=year_end)


def closed_on(first: date, last: date | None = None) -> list[Schedule]:
    return [Schedule(kind="exception", valid_from=first, valid_to=last, closed=True)]


# ---- examples ------------------------------------------------------------------------------


def test_the_holiday_package_knows_the_dates_these_tests_use() -> None:
    for day in (date(2026, 1, 1), date(2026, 1, 12), *(date(2026, 5, d) for d in range(3, 7))):
        assert day in JAPAN and is_public_holiday(day), day
    for day in (date(2026, 5, 2), date(2026, 5, 7), date(2025, 12, 30)):
        assert day not in JAPAN and not is_public_holiday(day), day


def test_open_at_the_opening_minute_and_closed_at_the_closing_minute() -> None:
    office = service(weekly(WEEKDAYS, time(9), time(17)))

    assert not open_at(office, tokyo(2026, 2, 10, 8, 59, 59))
    assert open_at(office, tokyo(2026, 2, 10, 9, 0))
    assert open_at(office, datetime(2026, 2, 10, 0, 0, tzinfo=UTC))  # 9:00 in Tokyo
    assert open_at(office, tokyo(2026, 2, 10, 16, 59, 59))
    assert not open_at(office, tokyo(2026, 2, 10, 17, 0))


def test_overnight_range_crosses_the_week_boundary() -> None:
    night = service(weekly([6], time(22), time(6)))  # Sunday 22:00 to Monday 6:00

    assert not open_at(night, tokyo(2026, 2, 15, 21, 59))  # Sunday
    assert open_at(night, tokyo(2026, 2, 15, 22, 0))
    assert open_at(night, tokyo(2026, 2, 16, 3, 0))  # Monday
    assert not open_at(night, tokyo(2026, 2, 16, 6, 0))
    status = service_status(night, tokyo(2026, 2, 16, 5, 40))
    assert status.state == "closing_soon"
    assert status.closes_at == tokyo(2026, 2, 16, 6, 0)
    assert status.next_opens_at == tokyo(2026, 2, 22, 22, 0)
    assert weekly_table(night)[6].ranges == ["22:00–翌6:00"]
    assert weekly_table(night)[6].text_en == "22:00–6:00 next day"


def test_range_ending_exactly_at_midnight() -> None:
    evening = service(weekly([2], time(16), time(0)))  # Wednesday 16:00 to midnight

    assert open_at(evening, tokyo(2026, 2, 18, 23, 59, 59))
    assert not open_at(evening, tokyo(2026, 2, 19, 0, 0))
    status = service_status(evening, tokyo(2026, 2, 18, 23, 45))
    assert (status.state, status.summary) == ("closing_soon", "翌0:00まで受付")
    assert status.summary_en == "Open until 0:00 tomorrow"
    assert weekly_table(evening)[2].ranges == ["16:00–翌0:00"]


def test_a_24_hour_service_is_open_without_end() -> None:
    line = service(weekly(EVERY_DAY, time(0), time(0)))

    status = service_status(line, tokyo(2026, 2, 18, 23, 50))
    assert (status.state, status.closes_at, status.summary) == ("open", None, ALWAYS_OPEN[0])
    assert status.summary_en == "Open around the clock"
    assert weekly_table(line)[0].ranges == ["24時間"]
    assert weekly_table(line)[0].text_en == "24 hours"


def test_a_24_hour_service_closed_on_holidays_over_golden_week() -> None:
    line = service(weekly(EVERY_DAY, time(0), time(0)), on_holidays=True)

    before = service_status(line, tokyo(2026, 5, 2, 23, 50))
    assert before.state == "closing_soon"
    assert before.closes_at == tokyo(2026, 5, 3, 0, 0)
    for day in range(3, 7):
        assert not open_at(line, tokyo(2026, 5, day, 12, 0))
    during = service_status(line, tokyo(2026, 5, 4, 12, 0))
    assert during.next_opens_at == tokyo(2026, 5, 7, 0, 0)
    assert during.summary == "次の受付: 5月7日(木) 0:00から"
    assert weekly_table(line).notes == [HOLIDAY_NOTE]
    assert weekly_table(line).notes_en == ["Closed on public holidays."]


def test_an_exception_closes_a_single_date() -> None:
    office = service(weekly(WEEKDAYS, time(9), time(17)), closed_on(date(2026, 3, 11)))

    assert open_at(office, tokyo(2026, 3, 10, 10, 0))
    assert not open_at(office, tokyo(2026, 3, 11, 10, 0))
    assert open_at(office, tokyo(2026, 3, 12, 10, 0))
    assert service_status(office, tokyo(2026, 3, 11, 10, 0)).next_opens_at == tokyo(2026, 3, 12, 9)


def test_an_exception_with_special_hours_replaces_the_day() -> None:
    special = Schedule(
        kind="exception", valid_from=date(2026, 3, 13), opens_at=time(10), closes_at=time(12)
    )
    office = service(weekly(WEEKDAYS, time(9), time(17)), [special])

    assert not open_at(office, tokyo(2026, 3, 13, 9, 30))
    assert open_at(office, tokyo(2026, 3, 13, 11, 0))
    assert not open_at(office, tokyo(2026, 3, 13, 13, 0))


def test_year_boundary_overnight_range_and_year_end_closure() -> None:
    nights = weekly(EVERY_DAY, time(22), time(2))
    plain = service(nights)
    assert open_at(plain, tokyo(2026, 12, 31, 23, 30))
    assert open_at(plain, tokyo(2027, 1, 1, 1, 0))  # the 12/31 range runs into the new year

    closing = service(nights, year_end=True)
    assert open_at(closing, tokyo(2026, 12, 29, 1, 0))  # begun on 12/28, the day it belongs to
    assert not open_at(closing, tokyo(2026, 12, 29, 23, 0))
    assert not open_at(closing, tokyo(2027, 1, 1, 1, 0))
    status = service_status(closing, tokyo(2026, 12, 30, 12, 0))
    assert status.next_opens_at == tokyo(2027, 1, 4, 22, 0)
    assert status.summary == "次の受付: 1月4日(月) 22:00から"
    assert status.summary_en == "Next open: Mon 4 Jan 22:00"
    assert weekly_table(closing).notes == [YEAR_END_NOTE]


def test_a_holiday_removes_the_range_that_starts_on_it_not_the_one_running_into_it() -> None:
    nights = service(weekly(EVERY_DAY, time(22), time(6)), on_holidays=True)
    # 2026-01-12 (Monday) is 成人の日: Sunday's range still runs into it, Monday's does not start.

    assert open_at(nights, tokyo(2026, 1, 12, 3, 0))
    assert not open_at(nights, tokyo(2026, 1, 12, 23, 0))
    assert not open_at(nights, tokyo(2026, 1, 13, 3, 0))
    assert open_at(nights, tokyo(2026, 1, 13, 22, 0))


def test_new_years_day_is_a_holiday_and_in_the_year_end() -> None:
    office = service(weekly(EVERY_DAY, time(9), time(17)), on_holidays=True)

    assert not open_at(office, tokyo(2026, 1, 1, 10, 0))
    assert open_at(office, tokyo(2026, 1, 2, 10, 0))  # not a public holiday


def test_last_intake_ends_the_open_time() -> None:
    office = service(weekly(WEEKDAYS, time(9), time(17), last_intake_at=time(16, 30)))

    assert open_at(office, tokyo(2026, 2, 10, 16, 29))
    assert not open_at(office, tokyo(2026, 2, 10, 16, 30))
    status = service_status(office, tokyo(2026, 2, 10, 16, 0))
    assert (status.state, status.closes_at) == ("closing_soon", tokyo(2026, 2, 10, 16, 30))
    assert status.summary == "16:30まで受付"
    assert weekly_table(office)[0].notes == ["受付は16:30まで"]
    assert weekly_table(office)[0].text_en == "9:00–17:00 (last call 16:30)"
    assert weekly_table(office)[5].text_en == "Closed"


def test_closing_soon_threshold_is_inclusive() -> None:
    office = service(weekly(WEEKDAYS, time(9), time(17)))

    assert service_status(office, tokyo(2026, 2, 10, 16, 30)).state == "closing_soon"
    assert service_status(office, tokyo(2026, 2, 10, 16, 29)).state == "open"
    late = service_status(office, tokyo(2026, 2, 10, 16, 0), closing_soon_minutes=60)
    assert late.state == "closing_soon"


def test_status_labels_and_summary_when_open() -> None:
    status = service_status(service(weekly(EVERY_DAY, time(16), time(22))), tokyo(2026, 2, 10, 17))

    assert (status.state, status.label, status.label_en) == ("open", "受付中", "Open now")
    assert status.summary == "22:00まで受付"
    assert status.closes_at is not None and status.closes_at.tzinfo == TOKYO


def test_no_opening_within_two_weeks() -> None:
    office = service(
        weekly(WEEKDAYS, time(9), time(17)), closed_on(date(2026, 3, 1), date(2026, 4, 30))
    )

    status = service_status(office, tokyo(2026, 3, 2, 10, 0))
    assert (status.state, status.label, status.next_opens_at) == ("closed", "受付時間外", None)
    assert (status.summary, status.summary_en, status.summary_easy) == NO_OPENING


def test_the_two_week_window_includes_its_last_minute() -> None:
    mondays = service(weekly([0], time(9), time(10)), closed_on(date(2026, 2, 2), date(2026, 2, 9)))
    status = service_status(mondays, tokyo(2026, 2, 2, 9, 0))
    assert status.next_opens_at == tokyo(2026, 2, 16, 9, 0)

    line = service(weekly(EVERY_DAY, time(0), time(0)), closed_on(date(2026, 2, 16)))
    status = service_status(line, tokyo(2026, 2, 2, 0, 0))
    assert status.closes_at == tokyo(2026, 2, 16, 0, 0)
    assert status.summary == "2月16日(月) 0:00まで受付"
    assert status.summary_en == "Open until Mon 16 Feb 0:00"
    assert service_status(line, tokyo(2026, 2, 1, 23, 59)).closes_at is None


def test_a_closed_exception_wins_over_special_hours_on_the_same_date() -> None:
    special = Schedule(
        kind="exception", valid_from=date(2026, 3, 13), opens_at=time(10), closes_at=time(12)
    )
    office = service(weekly(WEEKDAYS, time(9), time(17)), [special], closed_on(date(2026, 3, 13)))

    assert not open_at(office, tokyo(2026, 3, 13, 11, 0))


def test_special_hours_open_a_holiday_the_service_would_close() -> None:
    special = Schedule(
        kind="exception", valid_from=date(2026, 1, 12), opens_at=time(10), closes_at=time(12)
    )
    office = service(weekly(WEEKDAYS, time(9), time(17)), [special], on_holidays=True)

    assert open_at(office, tokyo(2026, 1, 12, 11, 0))  # 成人の日
    assert not open_at(office, tokyo(2026, 1, 12, 9, 30))


def test_a_weekly_range_with_dates_applies_only_between_them() -> None:
    summer = weekly([0], time(9), time(17), valid_from=date(2026, 7, 1), valid_to=date(2026, 8, 31))
    office = service(summer)

    assert not open_at(office, tokyo(2026, 6, 29, 10, 0))
    assert open_at(office, tokyo(2026, 7, 6, 10, 0))
    assert open_at(office, tokyo(2026, 8, 31, 10, 0))
    assert not open_at(office, tokyo(2026, 9, 7, 10, 0))
    assert weekly_table(office)[0].ranges == ["9:00–17:00（2026年7月1日〜2026年8月31日）"]
    assert weekly_table(office)[0].text_en == "9:00–17:00 (from 1 July 2026 until 31 August 2026)"


def test_without_weekly_hours_the_status_is_unknown() -> None:
    for unknown in (Service(), service(closed_on(date(2026, 3, 1)))):
        status = service_status(unknown, tokyo(2026, 3, 2, 10, 0))
        assert (status.state, status.summary, status.summary_en) == ("unknown", "", "")
        assert (status.label, status.label_en) == (
            "受付時間の案内をご確認ください",
            "Check the hours below",
        )
        assert status.text("label", "easy") == "相談できる 時間を 見て ください"
        assert not open_at(unknown, tokyo(2026, 3, 2, 10, 0))
        assert weekly_table(unknown) == []


def test_an_unreadable_row_makes_the_hours_unknown_rather_than_half_right() -> None:
    broken = service(weekly(EVERY_DAY, time(0), time(0)), [Schedule(kind="exception", closed=True)])

    assert service_status(broken, tokyo(2026, 3, 2, 10, 0)).state == "unknown"
    assert not open_at(broken, tokyo(2026, 3, 2, 10, 0))
    with pytest.raises(ValueError, match="valid_from"):
        HoursSpec.from_service(broken)


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        open_at(service(weekly(EVERY_DAY, time(9), time(17))), datetime(2026, 3, 2, 10))  # noqa: DTZ001


def test_weekly_table_lists_monday_to_sunday() -> None:
    table = weekly_table(
        service(
            weekly(WEEKDAYS, time(13), time(15)),
            weekly(WEEKDAYS, time(9), time(12)),
            on_holidays=True,
            year_end=True,
        )
    )

    assert [day.name for day in table] == list("月火水木金土日")
    assert table[0].ranges == ["9:00–12:00", "13:00–15:00"]
    assert table[5].closed and table[5].ranges == []
    assert table.notes == [HOLIDAY_NOTE, YEAR_END_NOTE]
    assert (table[0].label, table[0].label_en) == ("月曜日", "Monday")
    assert table[0].text == "9:00–12:00、13:00–15:00"
    assert table[5].text == "休み"


def test_weekly_table_cell_notes_the_last_intake() -> None:
    office = service(weekly([0], time(9), time(17), last_intake_at=time(16, 30)))

    assert weekly_table(office)[0].text == "9:00–17:00（受付は16:30まで）"


# ---- properties against a minute-by-minute model ------------------------------------------


@dataclass(frozen=True)
class Row:
    weekday: int
    opens: time
    closes: time
    last_intake: time | None


@dataclass(frozen=True)
class Closure:
    first: date
    days: int
    hours: tuple[time, time] | None  # None: closed


YEAR_END_DAYS = {(12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3)}


def minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def reference_ranges(
    rows: list[Row], closures: list[Closure], flags: tuple[bool, bool], day: date
) -> list[tuple[int, int]]:
    """(start minute, length) of the ranges that start on ``day``, by the documented rules."""
    on_holidays, over_year_end = flags
    covering = [c for c in closures if c.first <= day < c.first + timedelta(days=c.days)]
    if covering:
        if any(c.hours is None for c in covering):
            return []
        hours = [(c.hours[0], c.hours[1], None) for c in covering if c.hours]
    elif (over_year_end and (day.month, day.day) in YEAR_END_DAYS) or (
        on_holidays and day in JAPAN
    ):
        return []
    else:
        hours = [(r.opens, r.closes, r.last_intake) for r in rows if r.weekday == day.weekday()]
    result = []
    for opens, closes, last in hours:
        length = (minutes(closes) - minutes(opens)) % 1440 or 1440
        if last is not None:
            length = min(length, (minutes(last) - minutes(opens)) % 1440 or 1440)
        result.append((minutes(opens), length))
    return result


def reference_open_minutes(
    rows: list[Row], closures: list[Closure], flags: tuple[bool, bool], first: date, last: date
) -> list[bool]:
    """Minute i is open iff a range starting on first..last covers first 00:00 + i minutes."""
    days = (last - first).days + 1
    grid = [False] * ((days + 1) * 1440)
    for n in range(days):
        for start, length in reference_ranges(rows, closures, flags, first + timedelta(days=n)):
            a = n * 1440 + start
            grid[a : a + length] = [True] * length
    return grid


clock = st.one_of(
    st.sampled_from([time(0), time(6), time(9), time(17), time(21, 30), time(22)]),
    st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45, 59])),
)
rows_strategy = st.lists(
    st.builds(Row, st.integers(0, 6), clock, clock, st.none() | clock), min_size=1, max_size=6
)
instants = st.datetimes(
    min_value=datetime(2024, 1, 1),  # noqa: DTZ001 - bounds are naive by hypothesis's design
    max_value=datetime(2030, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)


Case = tuple[list[Row], list[Closure], tuple[bool, bool], datetime]


@st.composite
def cases(draw: st.DrawFn) -> Case:
    rows = draw(rows_strategy)
    moment = draw(instants)
    if draw(st.booleans()):  # land on a boundary, where off-by-one errors live
        row = draw(st.sampled_from(rows))
        local = moment.astimezone(TOKYO)
        edge = draw(st.sampled_from([row.opens, row.closes, row.last_intake or row.opens]))
        shift = timedelta(minutes=draw(st.sampled_from([-1, 0, 0, 1])))
        moment = datetime.combine(local.date(), edge, TOKYO) + shift
    base = moment.astimezone(TOKYO).date()
    closures = draw(
        st.lists(
            st.builds(
                Closure,
                st.integers(-2, 15).map(lambda n: base + timedelta(days=n)),
                st.integers(1, 3),
                st.none() | st.tuples(clock, clock),
            ),
            max_size=3,
        )
    )
    return rows, closures, (draw(st.booleans()), draw(st.booleans())), moment


def build(rows: list[Row], closures: list[Closure], flags: tuple[bool, bool]) -> Service:
    schedules = [
        Schedule(
            kind="weekly",
            weekday=r.weekday,
            opens_at=r.opens,
            closes_at=r.closes,
            last_intake_at=r.last_intake,
        )
        for r in rows
    ] + [
        Schedule(
            kind="exception",
            valid_from=c.first,
            valid_to=c.first + timedelta(days=c.days - 1),
            closed=c.hours is None,
            opens_at=c.hours[0] if c.hours else None,
            closes_at=c.hours[1] if c.hours else None,
        )
        for c in closures
    ]
    return Service(schedules=schedules, closed_on_holidays=flags[0], closed_over_year_end=flags[1])


FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(cases())
def test_status_agrees_with_the_minute_model(case: Case) -> None:
    rows, closures, flags, moment = case
    svc = build(rows, closures, flags)
    local = moment.astimezone(TOKYO)
    horizon = local + timedelta(days=14)
    first = local.date() - timedelta(days=2)
    grid = reference_open_minutes(rows, closures, flags, first, horizon.date())
    origin = datetime.combine(first, time(0), TOKYO)
    now = int((local - origin).total_seconds() // 60)

    def at(index: int) -> datetime:
        return origin + timedelta(minutes=index)

    def first_index(start: int, value: bool) -> int | None:
        end = now + 14 * 1440 + 1
        return next((i for i in range(start, end + 1) if grid[i] == value), None)

    status = service_status(svc, moment)
    assert open_at(svc, moment) == grid[now]
    assert (status.state in ("open", "closing_soon")) == grid[now]
    if grid[now]:
        closed_index = first_index(now + 1, False)
        closes = at(closed_index) if closed_index is not None else None
        expected_close = closes if closes is not None and closes <= horizon else None
        assert status.closes_at == expected_close
        soon = expected_close is not None and expected_close - local <= timedelta(minutes=30)
        assert (status.state == "closing_soon") == soon
        search_from = closed_index if closed_index is not None else now + 14 * 1440 + 1
    else:
        assert status.closes_at is None
        search_from = now + 1
    opening = first_index(search_from, True) if search_from <= now + 14 * 1440 else None
    expected_next = at(opening) if opening is not None and at(opening) <= horizon else None
    assert status.next_opens_at == expected_next
    if status.next_opens_at is not None:
        assert status.next_opens_at > moment
        assert open_at(svc, status.next_opens_at)


@FAST
@given(cases())
def test_the_instants_zone_does_not_matter(case: Case) -> None:
    rows, closures, flags, moment = case
    svc = build(rows, closures, flags)

    in_utc = service_status(svc, moment.astimezone(UTC))
    assert in_utc == service_status(svc, moment.astimezone(TOKYO))
    assert in_utc == service_status(svc, moment.astimezone(NEW_YORK))


@FAST
@given(rows_strategy, st.integers(2024, 2030), st.integers(0, 6 * 1440 - 1), st.booleans())
def test_year_end_closure_is_never_open(
    rows: list[Row], year: int, offset: int, on_holidays: bool
) -> None:
    svc = build(rows, [], (on_holidays, True))
    moment = datetime(year, 12, 29, tzinfo=TOKYO) + timedelta(minutes=offset)  # 12/29 to 1/3

    if open_at(svc, moment):
        # Only on the morning of 12/29, in a range begun on 12/28: the day it belongs to.
        assert (moment.month, moment.day) == (12, 29)
        eve = datetime(year, 12, 28, tzinfo=TOKYO)
        spans = reference_ranges(rows, [], (on_holidays, True), eve.date())
        assert any(
            eve + timedelta(minutes=start) <= moment < eve + timedelta(minutes=start + length)
            for start, length in spans
        )


def test_the_status_in_each_language_of_the_pages() -> None:
    evening = service(weekly([2], time(16), time(0)))  # Wednesday 16:00 to midnight
    office = service(weekly(WEEKDAYS, time(9), time(17)))
    line = service(weekly(EVERY_DAY, time(0), time(0)))

    open_late = service_status(evening, tokyo(2026, 2, 18, 23, 45))
    closed = service_status(office, tokyo(2026, 2, 14, 2, 30))  # a Saturday night
    always = service_status(line, tokyo(2026, 2, 14, 2, 30))

    assert [open_late.text("label", lang) for lang in ("ja", "easy", "en")] == [
        "まもなく終了",
        "もうすぐ 終わります",
        "Closing soon",
    ]
    assert open_late.text("summary", "easy") == "次の 日の 0:00まで 相談できます"
    assert closed.text("label", "easy") == "いまは 相談できません"
    assert closed.text("summary", "easy") == "次は 2月16日(月) 9:00から 相談できます"
    assert closed.text("summary", "vi") == closed.summary_en  # another language: English
    assert always.text("summary", "easy") == "24時間 いつでも 相談できます"
