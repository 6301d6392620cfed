"""Is this phone, e-mail or LINE name already on another case? Asked by the service whenever a
case's contact details are stored, and told only to staff who may see both cases.

The liaison who typed the details gets the same answer with or without a match: a warning there
would tell them that somebody they know is, or is not, a case of the city's (an oracle). The
match is kept on the case instead, for the municipality's staff to see. Every check is audited
with its outcome and nothing personal; the pages that trigger one are rate-limited per user.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from backoffice.referrals.models import ContactMatch, Referral
from backoffice.referrals.scopes import sees_all_cases, visible_to
from backoffice.referrals.trail import record_case_event
from backoffice.staff.actor import Actor
from core.crypto import blind_index

# The limit of duplicate checks a user may cause (Flask-Limiter notation): every case stored
# or edited checks once; a liaison enters a few cases a day.
CHECKS_PER_USER = "30 per hour;100 per day"


def contact_indexes(phone: str, email: str, line_name: str) -> dict[str, str | None]:
    """Blind indexes of the contact details, for matching without decrypting."""

    def index(value: str, purpose: str) -> str | None:
        try:
            return blind_index(value, purpose) if value.strip() else None
        except ValueError:  # nothing left to index (e.g. a phone number without digits)
            return None

    return {
        "phone_index": index(phone, "phone"),
        "email_index": index(email, "email"),
        "line_index": index(line_name, "line"),
    }


def matching_ids(session: Session, referral: Referral) -> list[int]:
    """The other cases sharing a contact detail with ``referral`` (its indexes as stored)."""
    conditions = [
        getattr(Referral, column) == value
        for column in ("phone_index", "email_index", "line_index")
        if (value := getattr(referral, column))
    ]
    if not conditions:
        return []
    statement = select(Referral.id).where(or_(*conditions), Referral.id != referral.id)
    return list(session.scalars(statement.order_by(Referral.id)))


def check_contacts(session: Session, referral: Referral, *, actor: Actor) -> int:
    """Record which cases share a contact detail with ``referral``, replacing what was found
    before (its details may have changed); audited. Returns the number of matches, which a page
    must not show to anyone who may not see both cases."""
    session.flush()
    session.execute(
        delete(ContactMatch).where(
            or_(ContactMatch.referral_id == referral.id, ContactMatch.other_id == referral.id)
        )
    )
    found = matching_ids(session, referral)
    session.add_all(ContactMatch(referral_id=referral.id, other_id=other) for other in found)
    session.flush()
    outcome = "match" if found else "no match"
    record_case_event(session, "referral.duplicate_check", referral.id, actor, reason=outcome)
    return len(found)


@dataclass(frozen=True)
class DuplicateNotice:
    message: str
    referral_id: int
    case_number: str


def duplicate_notices(session: Session, referral: Referral, actor: Actor) -> list[DuplicateNotice]:
    """The recorded matches of ``referral`` for an actor who sees every case (the municipality's
    staff), each naming the other case; nothing for anyone else."""
    if not sees_all_cases(actor):
        return []
    pairs = select(ContactMatch.referral_id, ContactMatch.other_id).where(
        or_(ContactMatch.referral_id == referral.id, ContactMatch.other_id == referral.id)
    )
    others = {a if b == referral.id else b for a, b in session.execute(pairs)}
    if not others:
        return []
    statement = select(Referral.id, Referral.case_number).where(
        Referral.id.in_(others), visible_to(actor)
    )
    return [
        DuplicateNotice(
            f"同じ連絡先の記録があります（{row.case_number}）。同じ方か確かめてください。",
            row.id,
            row.case_number,
        )
        for row in session.execute(statement.order_by(Referral.id))
    ]
