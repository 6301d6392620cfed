"""A service's opening hours: weekly hours and exceptions (holidays, special hours), checked,
added, edited and removed, and each described in one line for its change record."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from typing import Any

from sqlalchemy.orm import Session

from directory.editing.changes import (
    EditError,
    audit_service_edit,
    clean,
    record_change,
    set_changed,
)
from directory.models import ChangeRecord, Schedule, Service

DAYS = "月火水木金土日"
# What staff can change on a row of each kind (a row keeps its kind).
SCHEDULE_FIELDS = {
    "weekly": ("weekday", "opens_at", "closes_at", "last_intake_at"),
    "exception": ("valid_from", "valid_to", "closed", "opens_at", "closes_at", "description"),
}


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


def find_schedule(service: Service, schedule_id: int) -> Schedule:
    schedule = next((s for s in service.schedules if s.id == schedule_id), None)
    if schedule is None:
        raise EditError({"schedule": "その受付時間は見つかりません。"})
    return schedule


def update_schedule(
    session: Session, service: Service, schedule_id: int, values: Mapping[str, Any], *,
    editor: Any, network: str | None,
) -> list[ChangeRecord]:  # fmt: skip
    """Change a weekly row or an exception in place, checked as a new one is.

    Nothing changes if anything is refused. Each changed field is recorded as
    "schedule <position> <field>", the row's position on the page.
    """
    schedule = find_schedule(service, schedule_id)
    fields = SCHEDULE_FIELDS[schedule.kind]
    new = {f: values.get(f, getattr(schedule, f)) for f in fields}
    if "description" in new:
        new["description"] = clean(new["description"] or "")
        new["closed"] = bool(new["closed"])
    problems = _schedule_problems(Schedule(kind=schedule.kind, **new))
    if problems:
        raise EditError(problems)
    name = f"schedule {service.schedules.index(schedule) + 1}"
    changes = set_changed(session, service.id, schedule, name, new, editor, shown=_shown)
    if changes:
        audit_service_edit(session, "directory.schedule.update", service.id, editor, network,
                           reason=", ".join(c.field_name for c in changes))  # fmt: skip
    return changes


def remove_schedule(
    session: Session, service: Service, schedule_id: int, *, editor: Any, network: str | None
) -> None:
    schedule = find_schedule(service, schedule_id)
    service.schedules.remove(schedule)
    record_change(
        session, service.id, "service", "update", "schedules", describe(schedule), "", editor
    )
    audit_service_edit(session, "directory.schedule.remove", service.id, editor, network)


def describe(schedule: Schedule) -> str:
    when = (
        DAYS[schedule.weekday] if schedule.weekday is not None
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


def _shown(field: str, value: Any) -> Any:
    """A value as staff read it in the history: 月 rather than 0, 9:00 rather than 09:00:00."""
    if field == "weekday" and isinstance(value, int) and 0 <= value <= 6:
        return DAYS[value]
    if isinstance(value, time):
        return _hm(value)
    return value


def _hm(value: time | None) -> str:
    return f"{value.hour}:{value.minute:02d}" if value else ""
