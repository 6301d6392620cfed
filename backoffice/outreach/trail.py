"""One way to write an outreach subject's audit event: who acted, from which network, what, on
which subject; the reason holds codes and counts, never what the record says of the person."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backoffice.staff.actor import Actor
from core import audit


def record_event(
    session: Session, action: str, subject_id: int | None, actor: Actor, reason: str | None = None
) -> None:
    audit.record(
        session,
        action=action,
        actor=actor,
        object_type="outreach_subject",
        object_id=subject_id,
        client_network=actor.network,
        reason=reason,
    )
