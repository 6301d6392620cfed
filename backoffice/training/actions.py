"""Follow-up actions decided at a meeting: what, whose (a staff account), by when; marked done.
Each change is audited on the training record, with no name in the reason."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from backoffice.staff.actor import Actor
from backoffice.training.models import Training, TrainingAction
from backoffice.training.records import TrainingError, staff_choices
from backoffice.training.trail import record_training_event
from core.db import utcnow

TEXT_LIMIT = 500


def add_action(
    session: Session,
    training: Training,
    *,
    text: str,
    owner_id: int | None,
    due_on: date | None,
    actor: Actor,
) -> TrainingAction:
    problems: dict[str, str] = {}
    if not text.strip():
        problems["text"] = "やることを入力してください。"
    elif len(text.strip()) > TEXT_LIMIT:
        problems["text"] = f"やることは{TEXT_LIMIT}文字以内で入力してください。"
    owners = {u.id for u in staff_choices(session)}
    if owner_id is None or owner_id not in owners:
        problems["owner_id"] = "担当者を一覧から選んでください。"
    if due_on is not None and due_on < training.held_on:
        problems["due_on"] = "期限は開催日より後の日付にしてください。"
    if problems or owner_id is None:
        raise TrainingError(problems)
    action = TrainingAction(training=training, text=text.strip(), owner_id=owner_id, due_on=due_on)
    session.add(action)
    session.flush()
    record_training_event(
        session,
        "training.action_add",
        action.id,
        actor,
        object_type="training_action",
        reason=f"training {training.id}",
    )
    return action


def complete_action(session: Session, action: TrainingAction, *, actor: Actor) -> bool:
    """Mark done; False (nothing written) when it already was."""
    if action.done:
        return False
    action.done, action.done_at, action.done_by_id = True, utcnow(), actor.id
    record_training_event(
        session,
        "training.action_done",
        action.id,
        actor,
        object_type="training_action",
        reason=f"training {action.training_id}",
    )
    return True
