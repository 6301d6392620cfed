"""The case timeline: progress notes, contact attempts, emergency actions and status changes.

Adding an entry is audited. Recording a contact may move the case on in the same step: a
person reached before 初回連絡 moves it to 初回連絡 when staff leave that box ticked, and after
several attempts without reaching them 連絡不能 is offered (never applied unless chosen).

A liaison's timeline holds status changes (without reasons; why support ended only when the
consent covers the summary) and the notes the municipality marked as shared; the
municipality's own notes stay internal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.referrals.casework import (
    CONTACT_RESULTS,
    EMERGENCY_KINDS,
    ContactAttempt,
    EmergencyAction,
    ProgressNote,
)
from backoffice.referrals.models import CONTACT_METHODS, Referral, StatusChange
from backoffice.referrals.scopes import liaison_fields, sees_all_cases
from backoffice.referrals.trail import record_case_event
from backoffice.referrals.vocabulary import (
    ATTEMPT_METHOD_LABELS,
    CONTACT_LABELS,
    EMERGENCY_LABELS,
    END_REASONS,
    STATUS_LABELS,
)
from backoffice.referrals.workflow import TRANSITIONS, change_status, check_version
from backoffice.staff.actor import Actor
from core.db import utcnow
from core.problems import ProblemsError

NOTE_LIMIT = 4000
# Attempts without reaching the person after which the contact form offers 連絡不能: offered on
# the form that would record the last of them.
UNREACHABLE_AFTER = 3
REACHED = "reached"


class EntryError(ProblemsError):
    pass


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # note / contact / emergency / status
    title: str
    body: str
    by_id: int | None
    shared: bool = False


def add_note(
    session: Session, referral: Referral, body: str, *, shared: bool, actor: Actor
) -> ProgressNote:
    text = body.strip()
    if not text:
        raise EntryError({"body": "記録する内容を入力してください。"})
    if len(text) > NOTE_LIMIT:
        raise EntryError({"body": f"{NOTE_LIMIT}文字以内で入力してください。"})
    note = ProgressNote(
        referral_id=referral.id, author_id=actor.id, body=text, shared_with_liaison=shared
    )
    session.add(note)
    _audit(session, "referral.note", referral, actor)
    return note


def add_contact_attempt(
    session: Session, referral: Referral, *, at: datetime, method: str, result: str,
    note: str, actor: Actor,
) -> ContactAttempt:  # fmt: skip
    problems = {}
    if method not in CONTACT_METHODS or method == "not_stated":
        problems["method"] = "連絡の方法を選んでください。"
    if result not in CONTACT_RESULTS:
        problems["result"] = "結果を選んでください。"
    problems.update(_moment_problems("attempted_at", at, referral))
    if len(note) > NOTE_LIMIT:
        problems["note"] = f"{NOTE_LIMIT}文字以内で入力してください。"
    if problems:
        raise EntryError(problems)
    attempt = ContactAttempt(
        referral_id=referral.id, attempted_at=at, method=method, result=result,
        note=note.strip() or None, by_id=actor.id,
    )  # fmt: skip
    session.add(attempt)
    if result == "reached" and referral.first_contact_at is None:
        referral.first_contact_at = at
    _audit(session, "referral.contact", referral, actor)
    return attempt


@dataclass(frozen=True)
class ContactOffers:
    """The status changes the contact form offers beside the attempt."""

    first_contact: bool  # the case is before 初回連絡: offered, ticked
    unreachable: bool  # several attempts failed: offered, not ticked
    failed: int  # attempts since the person was last reached (or ever)


def failed_attempts(session: Session, referral_id: int) -> int:
    """Attempts recorded since the person was last reached (all of them if never)."""
    results = session.scalars(
        select(ContactAttempt.result)
        .where(ContactAttempt.referral_id == referral_id)
        .order_by(ContactAttempt.attempted_at.desc(), ContactAttempt.id.desc())
    )
    count = 0
    for result in results:
        if result == REACHED:
            break
        count += 1
    return count


def contact_offers(session: Session, referral: Referral) -> ContactOffers:
    following = TRANSITIONS.get(referral.status, frozenset())
    failed = failed_attempts(session, referral.id)
    return ContactOffers(
        first_contact="first_contact" in following,
        unreachable="unreachable" in following and failed >= UNREACHABLE_AFTER - 1,
        failed=failed,
    )


def record_contact(
    session: Session, referral: Referral, *, at: datetime, method: str, result: str,
    note: str, actor: Actor, to_first_contact: bool = False, to_unreachable: bool = False,
    expected_version: int | None = None,
) -> ContactAttempt:  # fmt: skip
    """The attempt and, when asked and it fits the result, the status change, together (the
    caller commits once). A status change needs the version the form was opened on."""
    offers = contact_offers(session, referral)
    moving = ""
    if to_unreachable:
        if result == REACHED:
            raise EntryError({"to_unreachable": "「話せた」ときは、連絡不能にはできません。"})
        if not offers.unreachable:
            raise EntryError({"to_unreachable": "この案件は、いま連絡不能にはできません。"})
        moving = "unreachable"
    elif to_first_contact and result == REACHED and offers.first_contact:
        moving = "first_contact"
    if moving:
        check_version(referral, expected_version)
    attempt = add_contact_attempt(
        session, referral, at=at, method=method, result=result, note=note, actor=actor
    )
    if moving:
        change_status(
            session, referral, moving, actor=actor, expected_version=referral.version,
            reason=f"連絡の記録（{CONTACT_LABELS[result]}）とあわせて変更",
        )  # fmt: skip
    return attempt


def add_emergency_action(
    session: Session, referral: Referral, *, at: datetime, kind: str, outcome: str,
    actor: Actor,
) -> EmergencyAction:  # fmt: skip
    problems = {}
    if kind not in EMERGENCY_KINDS:
        problems["kind"] = "対応の種類を選んでください。"
    problems.update(_moment_problems("acted_at", at, referral))
    if not outcome.strip():
        problems["outcome"] = "対応の結果を入力してください。"
    elif len(outcome) > NOTE_LIMIT:
        problems["outcome"] = f"{NOTE_LIMIT}文字以内で入力してください。"
    if problems:
        raise EntryError(problems)
    action = EmergencyAction(
        referral_id=referral.id, acted_at=at, kind=kind, outcome=outcome.strip(),
        by_id=actor.id,
    )  # fmt: skip
    session.add(action)
    _audit(session, "referral.emergency", referral, actor)
    return action


def timeline(session: Session, referral: Referral, actor: Actor) -> list[Entry]:
    """Newest first; for a liaison only status changes and shared notes."""
    full = sees_all_cases(actor)
    reasons = full or "end_reason" in liaison_fields(referral)
    changes = select(StatusChange).where(StatusChange.referral_id == referral.id)
    entries = [
        Entry(c.changed_at, "status", _status_title(c, reasons), (c.reason or "") if full else "",
              c.changed_by_id)
        for c in session.scalars(changes)
    ]  # fmt: skip
    notes = select(ProgressNote).where(ProgressNote.referral_id == referral.id)
    if not full:
        notes = notes.where(ProgressNote.shared_with_liaison.is_(True))
    entries += [
        Entry(n.written_at, "note", "経過記録", n.body or "", n.author_id, n.shared_with_liaison)
        for n in session.scalars(notes)
    ]
    if full:
        entries += [
            Entry(a.attempted_at, "contact",
                  f"連絡（{ATTEMPT_METHOD_LABELS.get(a.method, a.method)}）: "
                  f"{CONTACT_LABELS.get(a.result, a.result)}",
                  a.note or "", a.by_id)
            for a in session.scalars(
                select(ContactAttempt).where(ContactAttempt.referral_id == referral.id)
            )
        ]  # fmt: skip
        entries += [
            Entry(e.acted_at, "emergency", f"緊急対応: {EMERGENCY_LABELS.get(e.kind, e.kind)}",
                  e.outcome or "", e.by_id)
            for e in session.scalars(
                select(EmergencyAction).where(EmergencyAction.referral_id == referral.id)
            )
        ]  # fmt: skip
    return sorted(entries, key=lambda e: e.at, reverse=True)


def _status_title(change: StatusChange, reasons: bool) -> str:
    """The change as the timeline titles it; with why support ended if ``reasons``."""
    title = f"状態: {STATUS_LABELS.get(change.to_status, change.to_status)}"
    if change.end_reason and reasons:
        title += f"（理由: {END_REASONS.get(change.end_reason, change.end_reason)}）"
    return title


def _moment_problems(name: str, at: datetime, referral: Referral) -> dict[str, str]:
    if at > utcnow():
        return {name: "未来の日時は入力できません。"}
    if at < referral.received_at:
        return {name: "受付より前の日時は入力できません。"}
    return {}


def _audit(session: Session, action: str, referral: Referral, actor: Actor) -> None:
    session.flush()
    record_case_event(session, action, referral.id, actor)
