"""One way to write a case's audit event: who acted, from which network, what, on which case."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backoffice.staff.actor import Actor
from core import audit


def record_case_event(
    session: Session, action: str, referral_id: int, actor: Actor, reason: str | None = None
) -> None:
    audit.record(
        session,
        action=action,
        actor=actor,
        object_type="referral",
        object_id=referral_id,
        client_network=actor.network,
        reason=reason,
    )
