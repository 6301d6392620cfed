"""One way to write a training record's audit event. The reason never names a participant:
participants are staff data, and the trail is read by auditors who need the act, not the list."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backoffice.staff.actor import Actor
from core import audit


def record_training_event(
    session: Session,
    action: str,
    object_id: int,
    actor: Actor,
    *,
    object_type: str = "training",
    reason: str | None = None,
) -> None:
    audit.record(
        session,
        action=action,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        client_network=actor.network,
        reason=reason,
    )
