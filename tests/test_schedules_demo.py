"""The structured demo hours say nothing the fact sheet does not."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.timezone import TOKYO
from directory.demo import load_demo_directory
from directory.facts import read_rows, services_from_rows, stable_id
from directory.hours import open_at, service_status
from directory.models import Schedule, Service
from directory.schedules_demo import ScheduleDataError, add_demo_schedules, read_schedules

TODAY = date(2026, 6, 1)
CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
LEFT_AS_TEXT = ("食い違い", "未確認", "による")

HOURS = {row["name"]: row["hours"] for row in read_rows()}
OPERATORS = {row["name"]: row["operator"] for row in read_rows()}
ENTRIES = read_schedules()


def clocks(text: str) -> set[tuple[int, int]]:
    """Every H:MM in a text, so "8:30" and "08:30" (and "–" or "-" around them) compare equal."""
    return {(int(h), int(m)) for h, m in CLOCK.findall(text.replace("–", "-"))}


def tokyo(*args: int) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


def by_name(session: Session, name: str) -> Service:
    service = session.get(Service, stable_id("service", name))
    assert service is not None, name
    return service


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_each_entry_quotes_the_sheets_hours_verbatim(name: str) -> None:
    assert name in HOURS
    assert ENTRIES[name]["source_hours"] == HOURS[name]


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_each_entry_says_only_what_its_hours_text_says(name: str) -> None:
    entry, text = ENTRIES[name], HOURS[name]
    for spec in entry["ranges"]:
        times = [spec[key] for key in ("opens", "closes", "last_intake") if key in spec]
        assert clocks(" ".join(times)) <= clocks(text), (name, times)
        if spec.get("all_day"):
            assert "24時間" in text, name
    # "平日" (weekdays) excludes public holidays; a ministry's office is closed 12/29-1/3 by law
    # (行政機関の休日に関する法律), which the sheet's operator column shows.
    weekday_ministry = "平日" in text and "省" in OPERATORS[name]
    if entry["closed_over_year_end"]:
        assert "12/29" in text or weekday_ministry, name
    if entry["closed_on_holidays"]:
        assert "祝" in text or "平日" in text, name
    for month_day in entry.get("closed_every_year", []):
        month, day = (int(part) for part in month_day.split("-"))
        assert f"{month}/{day}" in text, name


def test_no_entry_for_hours_the_sheet_leaves_open_to_doubt() -> None:
    for name in ENTRIES:
        assert not any(word in HOURS[name] for word in LEFT_AS_TEXT), name


def test_loading_twice_gives_the_same_rows(session: Session) -> None:
    def rows() -> list[tuple]:
        fields = ("service_id", "kind", "weekday", "opens_at", "closes_at", "last_intake_at")
        fields += ("valid_from", "valid_to", "closed", "description")
        schedules = session.scalars(select(Schedule))
        return sorted((tuple(getattr(s, f) for f in fields) for s in schedules), key=repr)

    load_demo_directory(session, today=TODAY)
    session.commit()
    first = rows()
    load_demo_directory(session, today=TODAY)
    session.commit()
    assert rows() == first
    assert len(first) > len(ENTRIES)
    assert {row[0] for row in first} == {stable_id("service", name) for name in ENTRIES}


def test_every_entry_gives_its_service_hours() -> None:
    services = sheet_services()

    assert add_demo_schedules(services, today=TODAY) == len(ENTRIES)
    for name, entry in ENTRIES.items():
        weekly = [s for s in services[name].schedules if s.kind == "weekly"]
        assert len(weekly) == sum(len(spec["days"]) for spec in entry["ranges"]), name
        assert services[name].closed_on_holidays == entry["closed_on_holidays"], name


def test_demo_services_are_open_when_the_sheet_says(session: Session) -> None:
    load_demo_directory(session, today=TODAY)
    session.commit()
    childline = by_name(session, "チャイルドライン")
    sos = by_name(session, "24時間子供SOSダイヤル")
    inochi_sos = by_name(session, "#いのちSOS")
    lending = by_name(session, "貸金業相談・紛争解決センター")

    assert open_at(childline, tokyo(2026, 6, 17, 17, 0))  # a Wednesday
    assert not open_at(childline, tokyo(2026, 12, 30, 17, 0))
    assert service_status(childline, tokyo(2026, 6, 17, 20, 45)).state == "closing_soon"
    assert open_at(sos, tokyo(2026, 6, 17, 3, 0))
    assert service_status(sos, tokyo(2026, 6, 17, 3, 0)).summary == "24時間受付"
    assert open_at(inochi_sos, tokyo(2026, 6, 15, 3, 0))  # Monday: round the clock
    assert not open_at(inochi_sos, tokyo(2026, 6, 16, 3, 0))  # Tuesday: from 6:00
    assert open_at(inochi_sos, tokyo(2026, 6, 16, 23, 59))
    assert open_at(lending, tokyo(2027, 1, 5, 10, 0))
    assert not open_at(lending, tokyo(2027, 1, 4, 10, 0))  # a Monday, closed as 12/29–1/4 says
    assert not open_at(lending, tokyo(2026, 7, 20, 10, 0))  # 海の日


def test_services_left_as_text_keep_unknown_hours(session: Session) -> None:
    load_demo_directory(session, today=TODAY)
    session.commit()

    for name in (
        "京都府自殺ストップセンター",
        "DV相談ナビ",
        "自殺予防いのちの電話（フリーダイヤル）",
    ):
        assert service_status(by_name(session, name), tokyo(2026, 6, 17, 17)).state == "unknown"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "schedules.toml"
    path.write_text(text, encoding="utf-8")
    return path


def sheet_services() -> dict[str, Service]:
    return {service.name: service for service in services_from_rows(read_rows())}


def test_a_missing_service_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, '["どこにもない窓口"]\nsource_hours = ""\n')

    with pytest.raises(ScheduleDataError, match="どこにもない窓口"):
        add_demo_schedules(sheet_services(), path)


def test_a_malformed_time_is_named(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '["女性の人権ホットライン"]\nsource_hours = "平日8:30–17:15"\n'
        "closed_on_holidays = false\nclosed_over_year_end = false\n"
        'ranges = [{ days = ["月"], opens = "8:30", closes = "17:75" }]\n',
    )

    with pytest.raises(ScheduleDataError, match=r"女性の人権ホットライン: malformed time '17:75'"):
        add_demo_schedules(sheet_services(), path)


def test_an_entry_whose_quote_no_longer_matches_the_sheet_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, '["女性の人権ホットライン"]\nsource_hours = "平日9:00–17:00"\n')

    with pytest.raises(ScheduleDataError, match="source_hours differs"):
        add_demo_schedules(sheet_services(), path)
