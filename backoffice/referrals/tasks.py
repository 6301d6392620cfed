"""Tasks on a case: what is to be done, by when, by whom (a member of the dedicated staff)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backoffice.referrals.casework import Task
from backoffice.referrals.guard import AnonymisedCaseError
from backoffice.referrals.models import Referral
from backoffice.referrals.trail import record_case_event
from backoffice.staff.actor import Actor
from backoffice.staff.models import StaffRole, StaffUser
from backoffice.staff.permissions import ROLE_PERMISSIONS
from core.db import utcnow
from core.problems import ProblemsError

TITLE_LIMIT = 200


class TaskError(ProblemsError):
    pass


@dataclass
class TaskValues:
    title: str
    due_at: datetime | None  # timezone-aware
    assignee_id: int | None


def assignable_staff(session: Session) -> list[StaffUser]:
    """Active staff who work on cases (their approved roles grant ``referral.edit``), by name.

    A role waiting for a second administrator's approval grants nothing, here as at the gate.
    """
    roles = [role for role, granted in ROLE_PERMISSIONS.items() if "referral.edit" in granted]
    holders = select(StaffRole.user_id).where(
        StaffRole.role.in_(roles), StaffRole.approved_at.is_not(None)
    )
    statement = (
        select(StaffUser)
        .where(StaffUser.active.is_(True), StaffUser.id.in_(holders))
        .order_by(StaffUser.display_name, StaffUser.id)
    )
    return list(session.scalars(statement))


def validate_task(session: Session, values: TaskValues, now: datetime) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not values.title.strip():
        problems["title"] = "やることを入力してください。"
    elif len(values.title.strip()) > TITLE_LIMIT:
        problems["title"] = f"{TITLE_LIMIT}文字以内で入力してください。"
    if values.due_at is None:
        problems["due_at"] = "期限の日時を入力してください。"
    elif values.due_at.tzinfo is None:
        raise ValueError("a task's due time must be timezone-aware")
    elif values.due_at <= now:
        problems["due_at"] = "期限には、これから先の日時を入力してください。"
    if values.assignee_id not in {s.id for s in assignable_staff(session)}:
        problems["assignee_id"] = "担当者を一覧から選んでください。"
    return problems


def create_task(
    session: Session,
    referral: Referral,
    values: TaskValues,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> Task:
    """Add a task to the case, or raise `TaskError` having stored nothing."""
    now = now or utcnow()
    problems = validate_task(session, values, now)
    if problems:
        raise TaskError(problems)
    task = Task(
        referral_id=referral.id,
        title=values.title.strip(),
        due_at=values.due_at,
        assignee_id=values.assignee_id,
        created_by_id=actor.id,
        created_at=now,
    )
    session.add(task)
    session.flush()
    _audit(session, "referral.task.create", task, actor)
    return task


def complete_task(
    session: Session,
    task: Task,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> bool:
    """Mark the task done; False (and nothing recorded) if it was done already, even by
    someone else a moment ago (the change is one conditional UPDATE).

    A Core UPDATE passes by the flush-time guard of anonymised cases, so the case is checked
    here: an anonymised case is closed for good (``AnonymisedCaseError``).
    """
    case = session.get(Referral, task.referral_id)
    if case is not None and case.anonymised_at is not None:
        raise AnonymisedCaseError(case.case_number)
    done = session.execute(
        update(Task)
        .where(Task.id == task.id, Task.done_at.is_(None))
        .values(done_at=now or utcnow())
    )
    if done.rowcount == 0:  # type: ignore[attr-defined]
        return False
    _audit(session, "referral.task.done", task, actor)
    return True


def tasks_of(session: Session, referral_id: int) -> list[Task]:
    statement = select(Task).where(Task.referral_id == referral_id)
    return list(session.scalars(statement.order_by(Task.done_at.is_not(None), Task.due_at)))


def _audit(session: Session, action: str, task: Any, actor: Actor) -> None:
    reason = f"task:{task.id}"
    record_case_event(session, action, task.referral_id, actor, reason=reason)
