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
from backoffice.referrals.scopes import Viewer, visible_to
from core import audit
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


def check_contacts(
    session: Session, referral: Referral, *, actor: audit.Actor, network: str | None
) -> int:
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
    audit.record(
        session, action="referral.duplicate_check", actor=actor, object_type="referral",
        object_id=referral.id, client_network=network, reason="match" if found else "no match",
    )  # fmt: skip
    return len(found)


@dataclass(frozen=True)
class DuplicateNotice:
    message: str
    referral_id: int
    case_number: str


def duplicate_notices(
    session: Session, referral: Referral, viewer: Viewer
) -> list[DuplicateNotice]:
    """The recorded matches of ``referral`` for a viewer who sees every case (the municipality's
    staff), each naming the other case; nothing for anyone else."""
    if not viewer.full:
        return []
    pairs = select(ContactMatch.referral_id, ContactMatch.other_id).where(
        or_(ContactMatch.referral_id == referral.id, ContactMatch.other_id == referral.id)
    )
    others = {a if b == referral.id else b for a, b in session.execute(pairs)}
    if not others:
        return []
    statement = select(Referral.id, Referral.case_number).where(
        Referral.id.in_(others), visible_to(viewer)
    )
    return [
        DuplicateNotice(
            f"同じ連絡先の記録があります（{row.case_number}）。同じ方か確かめてください。",
            row.id,
            row.case_number,
        )
        for row in session.execute(statement.order_by(Referral.id))
    ]
