"""Consent after intake: withdrawing it, extending the agencies and the parts it covers, and
clearing what older cases hold outside it."""

from __future__ import annotations

import unicodedata

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from backoffice.referrals.duplicates import contact_indexes
from backoffice.referrals.fields import CONTACTS, PART_FIELDS, PERSONAL_TEXT
from backoffice.referrals.models import ContactMatch, Referral
from backoffice.referrals.sharing import is_empty, shared_parts, unshared_fields
from backoffice.referrals.trail import record_case_event
from backoffice.staff.actor import Actor
from core.db import utcnow
from core.problems import ProblemsError

NOTE_LIMIT = 2000


class ConsentError(ProblemsError):
    pass


def withdraw_consent(session: Session, referral: Referral, *, note: str, actor: Actor) -> None:
    """From now on nothing more is shared with agencies; the case shows the withdrawal."""
    consent = referral.consent
    if consent is None or consent.withdrawn:
        raise ConsentError({"note": "同意はすでに撤回されています。"})
    if len(note) > NOTE_LIMIT:
        raise ConsentError({"note": f"{NOTE_LIMIT}文字以内で入力してください。"})
    consent.withdrawn_at = utcnow()
    consent.withdrawn_by_id = actor.id
    consent.withdrawal_note = note.strip() or None
    session.flush()
    record_case_event(session, "referral.consent.withdraw", referral.id, actor)


UNCONSENTED = (
    "本人が同意した関係機関に含まれていません。本人の同意を確かめたうえで、"
    "「同意の記録にない機関について、本人の同意を得た」に印をつけてください。"
)


def unconsented(referral: Referral, names: list[str]) -> list[str]:
    """The agencies among ``names`` that the consent does not name (compared loosely)."""
    consent = referral.consent
    agreed = {_fold(a) for a in ((consent.agencies or []) if consent is not None else [])}
    return [name for name in names if _fold(name) not in agreed]


def extend_consent(session: Session, referral: Referral, names: list[str], *, actor: Actor) -> None:
    """Add agencies the person has since agreed to; kept on the consent record, audited."""
    consent = referral.consent
    missing = unconsented(referral, names)
    if consent is None or not missing:
        return
    consent.agencies = [*(consent.agencies or []), *missing]
    session.flush()
    reason = f"{len(missing)} agencies"
    record_case_event(session, "referral.consent.extend", referral.id, actor, reason=reason)


def extend_sharing(
    session: Session, referral: Referral, parts: list[str], *, confirmed: bool, actor: Actor
) -> list[str]:
    """The person has since agreed to share more with the city: add those parts to the consent,
    after which their fields may be entered. Audited as a consent change. Nothing is ever taken
    away here: sharing less is withdrawing the consent."""
    consent = referral.consent
    if consent is None or consent.withdrawn:
        raise ConsentError(
            {"parts": "同意が撤回されているため、共有する情報を増やすことはできません。"}
        )
    new = [part for part in PART_FIELDS if part in parts and not getattr(consent, part)]
    problems = {}
    if not new or any(part not in PART_FIELDS for part in parts):
        problems["parts"] = "新たに共有してよいと同意を得た情報を選んでください。"
    if not confirmed:
        problems["confirmed"] = "本人から新たに同意を得たことを確かめて、印をつけてください。"
    if problems:
        raise ConsentError(problems)
    for part in new:
        setattr(consent, part, True)
    session.flush()
    reason = ",".join(new)
    record_case_event(session, "referral.consent.extend_sharing", referral.id, actor, reason=reason)
    return new


def outside_consent(referral: Referral) -> list[str]:
    """The fields of ``referral`` holding a value its consent does not cover (stored before the
    consent bound the city)."""
    unshared = unshared_fields(shared_parts(referral.consent))
    return [n for n, empty in unshared.items() if not is_empty(getattr(referral, n), empty)]


def clear_unconsented(
    session: Session, *, apply: bool, actor: Actor
) -> list[tuple[str, list[str]]]:
    """Each case still holding values outside its consent, with those fields; cleared (each case
    audited, naming the fields only) when ``apply``. Anonymised cases hold nothing to clear."""
    found = []
    for referral in session.scalars(
        select(Referral).where(Referral.anonymised_at.is_(None)).order_by(Referral.id)
    ):
        fields = outside_consent(referral)
        if not fields:
            continue
        found.append((referral.case_number, fields))
        if apply:
            _clear(session, referral, fields, actor=actor)
    return found


def _clear(session: Session, referral: Referral, fields: list[str], *, actor: Actor) -> None:
    empty = unshared_fields(shared_parts(referral.consent))
    for name in fields:  # encrypted text is cleared to NULL, plain columns to their default
        setattr(referral, name, None if name in PERSONAL_TEXT else empty[name])
    if CONTACTS & set(fields):
        contacts = (referral.phone or "", referral.email or "", referral.line_name or "")
        for column, value in contact_indexes(*contacts).items():
            setattr(referral, column, value)
        session.execute(
            delete(ContactMatch).where(
                or_(ContactMatch.referral_id == referral.id, ContactMatch.other_id == referral.id)
            )
        )
    session.flush()
    reason = ",".join(fields)[:500]
    record_case_event(
        session, "referral.consent.clear_unconsented", referral.id, actor, reason=reason
    )


def _fold(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())
