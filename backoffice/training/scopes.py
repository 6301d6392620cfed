"""Who sees which training records. The city's dedicated staff and supervisors
(`training.read_all`) see every one; an NPO liaison (`training.read` only) sees the meetings the
NPO organises or co-organises and those they took part in; anyone else (the analyst, the
editor) sees none. A record outside one's scope is "not found", never "forbidden".

Changing a record (its page, materials, follow-up actions) is narrower than seeing it: staff who
see every record may change any; a liaison only those they took part in or recorded
(`may_change`). A record they see but may not change is "forbidden"."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, exists, false, or_, select, true
from sqlalchemy.orm import Session

from backoffice.staff.actor import Actor
from backoffice.training.models import Training, TrainingParticipant
from backoffice.training.vocabulary import NPO_ORGANISERS


def sees_all(actor: Actor) -> bool:
    return actor.may("training.read_all")


def visible_to(actor: Actor) -> ColumnElement[bool]:
    """The SQL condition for the training records ``actor`` may see."""
    if not actor.may("training.read"):
        return false()
    if sees_all(actor):
        return true()
    took_part = exists().where(
        TrainingParticipant.training_id == Training.id,
        TrainingParticipant.staff_user_id == actor.id,
    )
    return or_(Training.organiser.in_(sorted(NPO_ORGANISERS)), took_part)


def may_keep(actor: Actor, organiser: str, participant_ids: list[int]) -> bool:
    """Whether a record saved with these values stays in ``actor``'s scope (a liaison may not
    record, or turn a record into, a meeting they could not see)."""
    if sees_all(actor):
        return True
    return organiser in NPO_ORGANISERS or actor.id in participant_ids


def may_change(actor: Actor, training: Training) -> bool:
    """Whether ``actor`` may edit ``training``, add or remove its materials and add or complete
    its follow-up actions: with ``training.edit``, any record if they see every one, else only
    one they took part in or recorded."""
    if not actor.may("training.edit"):
        return False
    if sees_all(actor):
        return True
    return actor.id is not None and (
        actor.id == training.created_by_id or actor.id in training.participant_ids
    )


def scoped(statement: Select, actor: Actor) -> Select:
    return statement.where(visible_to(actor))


def find_training(session: Session, training_id: int, actor: Actor) -> Training | None:
    return session.scalar(scoped(select(Training).where(Training.id == training_id), actor))
