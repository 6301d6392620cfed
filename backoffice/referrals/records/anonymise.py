"""Anonymising a case once its retention period is over: every encrypted column of the case and
of every row that belongs to it is cleared, so only the coarse fields statistics count remain.
Refused on legal hold; audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, delete, or_, update
from sqlalchemy.orm import Session

from backoffice.referrals.models import ContactMatch, Referral
from backoffice.referrals.records.export import RecordsError
from backoffice.referrals.trail import record_case_event
from backoffice.staff.actor import Actor
from core.crypto import EncryptedString
from core.db import Base, utcnow

# Plain columns that say something about the person, reset beside the encrypted ones.
PLAIN_RESETS: dict[str, dict[str, Any]] = {
    "referral": {"pseudonym": False, "preferred_method": "not_stated",
                 "callback_may_identify": False, "phone_index": None, "email_index": None,
                 "line_index": None},
    "referral_consent": {"wording": ""},
}  # fmt: skip


def anonymise_referral(session: Session, referral: Referral, *, actor: Actor, reason: str) -> None:
    """Clear everything personal on the case and its rows; refused on legal hold. Audited."""
    if referral.legal_hold:
        raise RecordsError(f"{referral.case_number} は法的保全中のため匿名化できません。")
    if referral.anonymised_at is not None:
        raise RecordsError(f"{referral.case_number} はすでに匿名化されています。")
    session.flush()  # nothing pending may be lost when the case's rows are expired below
    for table in _case_tables():
        values = {c.name: None for c in table.columns if isinstance(c.type, EncryptedString)}
        values |= PLAIN_RESETS.get(table.name, {})
        if table.name == "referral":
            for name, value in values.items():
                setattr(referral, name, value)
            referral.anonymised_at = utcnow()
            session.flush()  # bumps the case's version: a form opened before is refused
            continue
        if "version" in table.c:
            values["version"] = table.c.version + 1
        if values:
            session.execute(update(table).where(table.c.referral_id == referral.id).values(values))
    # Which other case shared its contact details says something about the person too.
    session.execute(
        delete(ContactMatch).where(
            or_(ContactMatch.referral_id == referral.id, ContactMatch.other_id == referral.id)
        )
    )
    session.expire_all()  # loaded rows of the case must not show what the database no longer has
    record_case_event(session, "referral.anonymise", referral.id, actor, reason=reason)


def _case_tables() -> list[Table]:
    """The referral table and every table whose rows belong to one referral."""
    referral_id = Referral.__table__.c.id
    owned = [
        table
        for table in Base.metadata.sorted_tables
        if any(fk.column is referral_id for fk in table.foreign_keys) and "referral_id" in table.c
    ]
    return [Referral.__table__, *owned]  # type: ignore[list-item]
