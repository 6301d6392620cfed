"""A service's opening hours: weekly hours and exceptions (holidays, special hours), checked,
added and removed, and each described in one line for its change record."""

from __future__ import annotations

from datetime import time
from typing import Any

from sqlalchemy.orm import Session

from directory.editing.changes import EditError, audit_service_edit, record_change
from directory.models import Schedule, Service


def add_schedule(
    session: Session, service: Service, schedule: Schedule, *, editor: Any, network: str | None
) -> None:
    problems = _schedule_problems(schedule)
    if problems:
        raise EditError(problems)
    service.schedules.append(schedule)
    record_change(
        session, service.id, "service", "update", "schedules", "", describe(schedule), editor
    )
    audit_service_edit(session, "directory.schedule.add", service.id, editor, network)


def remove_schedule(
    session: Session, service: Service, schedule_id: int, *, editor: Any, network: str | None
) -> None:
    schedule = next((s for s in service.schedules if s.id == schedule_id), None)
    if schedule is None:
        raise EditError({"schedule": "その受付時間は見つかりません。"})
    service.schedules.remove(schedule)
    record_change(
        session, service.id, "service", "update", "schedules", describe(schedule), "", editor
    )
    audit_service_edit(session, "directory.schedule.remove", service.id, editor, network)


def describe(schedule: Schedule) -> str:
    days = "月火水木金土日"
    when = (
        days[schedule.weekday] if schedule.weekday is not None
        else f"{schedule.valid_from}〜{schedule.valid_to or schedule.valid_from}"
    )  # fmt: skip
    if schedule.closed:
        return f"{when} 休み"
    hours = f"{_hm(schedule.opens_at)}–{_hm(schedule.closes_at)}"
    intake = f"（受付{_hm(schedule.last_intake_at)}まで）" if schedule.last_intake_at else ""
    return f"{when} {hours}{intake}"


def _schedule_problems(schedule: Schedule) -> dict[str, str]:
    problems = {}
    if schedule.kind == "weekly":
        if schedule.weekday is None or not 0 <= schedule.weekday <= 6:
            problems["weekday"] = "曜日を選んでください。"
        if schedule.opens_at is None or schedule.closes_at is None:
            problems["opens_at"] = "開始と終了の時刻を入力してください。"
    elif schedule.kind == "exception":
        if schedule.valid_from is None:
            problems["valid_from"] = "日付を入力してください。"
        if schedule.valid_to and schedule.valid_from and schedule.valid_to < schedule.valid_from:
            problems["valid_to"] = "終わりの日付は始まりの日付より後にしてください。"
        if not schedule.closed and (schedule.opens_at is None or schedule.closes_at is None):
            problems["opens_at"] = "休みでない日は、開始と終了の時刻を入力してください。"
    else:
        problems["kind"] = "種類が正しくありません。"
    return problems


def _hm(value: time | None) -> str:
    return f"{value.hour}:{value.minute:02d}" if value else ""
