"""Withdrawing consent, extending what it lets the city store, and the NPO's follow-up after
support ended."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from backoffice.referrals.duplicates import contact_indexes
from backoffice.referrals.intake import CONTACTS, PERSONAL_TEXT
from backoffice.referrals.models import ContactMatch, FollowUp, Referral
from backoffice.referrals.scopes import Viewer
from backoffice.referrals.sharing import PART_FIELDS, is_empty, shared_parts, unshared_fields
from core import audit
from core.db import utcnow
from core.problems import ProblemsError
from core.timezone import TOKYO

NOTE_LIMIT = 2000


class ConsentError(ProblemsError):
    pass


def withdraw_consent(
    session: Session, referral: Referral, *, note: str, actor: Viewer, network: str | None
) -> None:
    """From now on nothing more is shared with agencies; the case shows the withdrawal."""
    consent = referral.consent
    if consent is None or consent.withdrawn:
        raise ConsentError({"note": "同意はすでに撤回されています。"})
    if len(note) > NOTE_LIMIT:
        raise ConsentError({"note": f"{NOTE_LIMIT}文字以内で入力してください。"})
    consent.withdrawn_at = utcnow()
    consent.withdrawn_by_id = actor.user_id
    consent.withdrawal_note = note.strip() or None
    session.flush()
    audit.record(
        session, action="referral.consent.withdraw", actor=actor, object_type="referral",
        object_id=referral.id, client_network=network,
    )  # fmt: skip


UNCONSENTED = (
    "本人が同意した関係機関に含まれていません。本人の同意を確かめたうえで、"
    "「同意の記録にない機関について、本人の同意を得た」に印をつけてください。"
)


def unconsented(referral: Referral, names: list[str]) -> list[str]:
    """The agencies among ``names`` that the consent does not name (compared loosely)."""
    consent = referral.consent
    agreed = {_fold(a) for a in ((consent.agencies or []) if consent is not None else [])}
    return [name for name in names if _fold(name) not in agreed]


def extend_consent(
    session: Session, referral: Referral, names: list[str], *, actor: Viewer | Any,
    network: str | None,
) -> None:  # fmt: skip
    """Add agencies the person has since agreed to; kept on the consent record, audited."""
    consent = referral.consent
    missing = unconsented(referral, names)
    if consent is None or not missing:
        return
    consent.agencies = [*(consent.agencies or []), *missing]
    session.flush()
    audit.record(
        session, action="referral.consent.extend", actor=actor, object_type="referral",
        object_id=referral.id, client_network=network, reason=f"{len(missing)} agencies",
    )  # fmt: skip


def extend_sharing(
    session: Session, referral: Referral, parts: list[str], *, confirmed: bool,
    actor: Viewer, network: str | None,
) -> list[str]:  # fmt: skip
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
    audit.record(
        session, action="referral.consent.extend_sharing", actor=actor, object_type="referral",
        object_id=referral.id, client_network=network, reason=",".join(new),
    )  # fmt: skip
    return new


def outside_consent(referral: Referral) -> list[str]:
    """The fields of ``referral`` holding a value its consent does not cover (stored before the
    consent bound the city)."""
    unshared = unshared_fields(shared_parts(referral.consent))
    return [n for n, empty in unshared.items() if not is_empty(getattr(referral, n), empty)]


def clear_unconsented(
    session: Session, *, apply: bool, actor: Any, network: str | None
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
            _clear(session, referral, fields, actor=actor, network=network)
    return found


def _clear(
    session: Session, referral: Referral, fields: list[str], *, actor: Any, network: str | None
) -> None:
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
    audit.record(
        session, action="referral.consent.clear_unconsented", actor=actor,
        object_type="referral", object_id=referral.id, client_network=network,
        reason=",".join(fields)[:500],
    )  # fmt: skip


def _fold(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


def record_follow_up(
    session: Session, referral: Referral, *, held_on: date, result: str, actor: Viewer,
    network: str | None, now: datetime | None = None,
) -> FollowUp:  # fmt: skip
    """The liaison's follow-up, once support has ended."""
    problems = {}
    if referral.status not in ("ended", "followed_up"):
        problems["result"] = "フォローアップは、支援終了のあとに記録できます。"
    # Today in Japan: in UTC it is still yesterday until 9:00, and today's date would be "future".
    if held_on > (now or utcnow()).astimezone(TOKYO).date():
        problems["held_on"] = "未来の日付は入力できません。"
    if not result.strip():
        problems["result"] = "フォローアップの結果を入力してください。"
    elif len(result) > NOTE_LIMIT:
        problems["result"] = f"{NOTE_LIMIT}文字以内で入力してください。"
    if problems:
        raise ConsentError(problems)
    follow_up = FollowUp(
        referral_id=referral.id, held_on=held_on, result=result.strip(),
        recorded_by_id=actor.user_id,
    )  # fmt: skip
    session.add(follow_up)
    session.flush()
    audit.record(
        session, action="referral.follow_up", actor=actor, object_type="referral",
        object_id=referral.id, client_network=network,
    )  # fmt: skip
    return follow_up
