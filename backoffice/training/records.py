"""Recording a training or exchange meeting: values checked field by field (Japanese messages,
nothing stored on any problem), stale saves refused, every change audited."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.staff.actor import Actor
from backoffice.staff.models import StaffUser
from backoffice.training.models import Training, TrainingGuest, TrainingParticipant
from backoffice.training.scopes import may_keep
from backoffice.training.trail import record_training_event
from backoffice.training.vocabulary import KIND_LABELS, ORGANISER_LABELS

TITLE_LIMIT = 200
NOTES_LIMIT = 4000
NAME_LIMIT = 200
MAX_GUEST_ROWS = 20
MAX_GUESTS = 9999
FIELDS = ("held_on", "kind", "organiser", "title", "participants", "guests", "notes")


class TrainingError(ValueError):
    """Values refused; ``problems`` maps each field to a Japanese sentence. Nothing stored."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


class ConflictError(RuntimeError):
    """The record changed since the form was opened; nothing was saved."""

    def __init__(self, current: Training) -> None:
        super().__init__("the training record was changed by someone else")
        self.current = current


@dataclass
class GuestRow:
    organisation: str = ""
    count: int | None = None


@dataclass
class TrainingValues:
    held_on: date | None
    kind: str = ""
    organiser: str = ""
    title: str = ""
    participant_ids: list[int] = field(default_factory=list)
    guests: list[GuestRow] = field(default_factory=list)
    notes: str = ""

    def filled_guests(self) -> list[GuestRow]:
        return [g for g in self.guests if g.organisation.strip() or g.count is not None]


def staff_choices(session: Session, keep: list[int] | None = None) -> list[StaffUser]:
    """The accounts a participant or an owner is chosen from: active ones, and any already on
    the record (an account closed since stays on the meetings it attended)."""
    keep = keep or []
    statement = select(StaffUser).where(StaffUser.active.is_(True) | StaffUser.id.in_(keep))
    return list(session.scalars(statement.order_by(StaffUser.display_name, StaffUser.id)))


def values_of(training: Training) -> TrainingValues:
    return TrainingValues(
        held_on=training.held_on,
        kind=training.kind,
        organiser=training.organiser,
        title=training.title,
        participant_ids=training.participant_ids,
        guests=[GuestRow(g.organisation, g.count) for g in training.guests],
        notes=training.notes,
    )


def validate(
    session: Session, values: TrainingValues, actor: Actor, *, before: list[int]
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if values.held_on is None:
        problems["held_on"] = "開催日を入力してください。"
    if values.kind not in KIND_LABELS:
        problems["kind"] = "種類を一覧から選んでください。"
    if values.organiser not in ORGANISER_LABELS:
        problems["organiser"] = "主催を一覧から選んでください。"
    if not values.title.strip():
        problems["title"] = "題名を入力してください。"
    elif len(values.title.strip()) > TITLE_LIMIT:
        problems["title"] = f"題名は{TITLE_LIMIT}文字以内で入力してください。"
    if len(values.notes) > NOTES_LIMIT:
        problems["notes"] = f"メモは{NOTES_LIMIT}文字以内で入力してください。"
    allowed = {u.id for u in staff_choices(session, before)}
    if any(i not in allowed for i in values.participant_ids):
        problems["participants"] = "参加した職員を一覧から選んでください。"
    guest_problem = _guest_problem(values.filled_guests())
    if guest_problem:
        problems["guests"] = guest_problem
    if "organiser" not in problems and not may_keep(
        actor, values.organiser, values.participant_ids
    ):
        problems["organiser"] = (
            "市が主催する会議は、自分が参加した場合に記録できます。"
            "参加した職員に自分を加えるか、主催を NPO または共催にしてください。"
        )
    return problems


def _guest_problem(rows: list[GuestRow]) -> str | None:
    if len(rows) > MAX_GUEST_ROWS:
        return f"ほかの参加者は{MAX_GUEST_ROWS}機関までです。"
    for row in rows:
        if not row.organisation.strip():
            return "ほかの参加者の人数には、機関名も入力してください。"
        if len(row.organisation.strip()) > NAME_LIMIT:
            return f"機関名は{NAME_LIMIT}文字以内で入力してください。"
        if row.count is None or not 1 <= row.count <= MAX_GUESTS:
            return f"ほかの参加者の人数は、1から{MAX_GUESTS}までの数字で入力してください。"
    return None


def _apply(training: Training, values: TrainingValues, held_on: date) -> None:
    training.held_on = held_on
    training.kind, training.organiser = values.kind, values.organiser
    training.title, training.notes = values.title.strip(), values.notes.strip()
    wanted = list(dict.fromkeys(values.participant_ids))
    training.participants = [p for p in training.participants if p.staff_user_id in wanted]
    have = set(training.participant_ids)
    training.participants += [TrainingParticipant(staff_user_id=i) for i in wanted if i not in have]
    training.guests = [
        TrainingGuest(organisation=g.organisation.strip(), count=g.count)
        for g in values.filled_guests()
    ]


def create_training(session: Session, values: TrainingValues, *, actor: Actor) -> Training:
    problems = validate(session, values, actor, before=[])
    if problems or values.held_on is None:
        raise TrainingError(problems)
    training = Training(created_by_id=actor.id, updated_by_id=actor.id)
    _apply(training, values, values.held_on)
    session.add(training)
    session.flush()
    record_training_event(session, "training.create", training.id, actor)
    return training


def update_training(
    session: Session,
    training: Training,
    values: TrainingValues,
    *,
    version: int | None,
    actor: Actor,
) -> Training:
    """Save ``values`` over the record opened at ``version``; a stale save changes nothing."""
    if version is None or training.version != version:
        raise ConflictError(training)
    problems = validate(session, values, actor, before=training.participant_ids)
    if problems or values.held_on is None:
        raise TrainingError(problems)
    changed = changed_fields(values_of(training), values)
    if not changed:
        return training
    _apply(training, values, values.held_on)
    training.updated_by_id = actor.id
    session.flush()
    # Field names only: never who took part (staff data) nor what the notes say.
    record_training_event(
        session, "training.update", training.id, actor, reason="changed: " + ", ".join(changed)
    )
    return training


def changed_fields(before: TrainingValues, after: TrainingValues) -> list[str]:
    def shape(values: TrainingValues) -> dict[str, Any]:
        return {
            "held_on": values.held_on,
            "kind": values.kind,
            "organiser": values.organiser,
            "title": values.title.strip(),
            "participants": sorted(set(values.participant_ids)),
            "guests": [(g.organisation.strip(), g.count) for g in values.filled_guests()],
            "notes": values.notes.strip(),
        }

    old, new = shape(before), shape(after)
    return [name for name in FIELDS if old[name] != new[name]]
