"""Minutes of 支援会議 shared with the NPO. Minutes are the municipality's own until its staff mark
them shared; then the liaisons of the case, and the liaisons recorded as having taken part, may
read them (the date, the agencies as far as the person's consent lets a liaison see them, the
agenda, what was decided, the next date), each read audited on the case; never the case's
internal notes. Minutes a liaison may not read are "not found", whether they are internal,
another's, or do not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from backoffice.referrals.assignment import liaisons
from backoffice.referrals.casework import MeetingParticipant, SupportMeeting
from backoffice.referrals.meetings import MeetingError
from backoffice.referrals.models import Referral
from backoffice.referrals.scopes import reads_cases, visible_to
from backoffice.referrals.trail import record_case_event
from backoffice.referrals.workflow import ConflictError, check_version
from backoffice.staff.actor import Actor

PARTICIPANTS_MESSAGE = "参加したつなぎ支援員を一覧から選んでください。"


def participant_ids(session: Session, meeting_id: int) -> list[int]:
    statement = select(MeetingParticipant.staff_user_id).where(
        MeetingParticipant.meeting_id == meeting_id
    )
    return sorted(session.scalars(statement))


def share_minutes(
    session: Session,
    meeting: SupportMeeting,
    *,
    shared: bool,
    participants: list[int],
    actor: Actor,
    expected_version: int | None,
) -> SupportMeeting:
    """Mark the minutes shared with the NPO (or internal again) and say which liaisons took
    part. `ConflictError` if the meeting changed since the form was opened, `MeetingError` for
    someone who is not a liaison; either way nothing changes. Audited."""
    check_version(meeting, expected_version)
    allowed = {user.id for user in liaisons(session)} | set(participant_ids(session, meeting.id))
    if any(staff_id not in allowed for staff_id in participants):
        raise MeetingError({"participants": PARTICIPANTS_MESSAGE})
    wanted = set(participants)
    for row in session.scalars(
        select(MeetingParticipant).where(MeetingParticipant.meeting_id == meeting.id)
    ):
        if row.staff_user_id not in wanted:
            session.delete(row)
        wanted.discard(row.staff_user_id)
    session.add_all(MeetingParticipant(meeting_id=meeting.id, staff_user_id=i) for i in wanted)
    meeting.shared_with_liaison = shared
    flag_modified(meeting, "shared_with_liaison")  # a new version even if only who took part
    try:
        session.flush()
    except StaleDataError as error:
        raise ConflictError(meeting) from error
    reason = f"support_meeting:{meeting.id} shared:{int(shared)} participants:{len(participants)}"
    record_case_event(session, "referral.meeting.share", meeting.referral_id, actor, reason=reason)
    return meeting


def _readable_by(actor: Actor) -> ColumnElement[bool]:
    """The shared minutes ``actor`` may read: of a case they may open, or of a meeting they
    took part in."""
    took_part = exists().where(
        MeetingParticipant.meeting_id == SupportMeeting.id,
        MeetingParticipant.staff_user_id == actor.id,
    )
    return and_(
        SupportMeeting.shared_with_liaison.is_(True),
        Referral.anonymised_at.is_(None),
        or_(visible_to(actor), took_part) if reads_cases(actor) else false(),
    )


MINUTES_SHOWN = (SupportMeeting.id, SupportMeeting.referral_id, Referral.case_number,
                 SupportMeeting.held_on)  # fmt: skip


@dataclass(frozen=True)
class SharedMinutes:
    """Where shared minutes are, not what they say (the minutes page shows it, audited)."""

    meeting_id: int
    referral_id: int
    case_number: str
    held_on: date


def shared_minutes_for(
    session: Session, actor: Actor, *, limit: int = 10
) -> tuple[list[SharedMinutes], int]:
    """The shared minutes ``actor`` may read, the latest meetings first, and how many in all."""
    base = select(SupportMeeting.id).join(Referral, Referral.id == SupportMeeting.referral_id)
    total = session.scalar(
        base.where(_readable_by(actor)).with_only_columns(func.count(SupportMeeting.id))
    )
    rows = session.execute(
        base.with_only_columns(*MINUTES_SHOWN)
        .where(_readable_by(actor))
        .order_by(SupportMeeting.held_on.desc(), SupportMeeting.id.desc())
        .limit(limit)
    )
    return [SharedMinutes(*row) for row in rows], total or 0


def open_shared_minutes(
    session: Session, meeting_id: int, actor: Actor
) -> tuple[SupportMeeting, Referral] | None:
    """Shared minutes ``actor`` may read, the read audited on the case; otherwise None (not
    found, whether the meeting is internal, another's or does not exist)."""
    found = session.execute(
        select(SupportMeeting, Referral)
        .join(Referral, Referral.id == SupportMeeting.referral_id)
        .where(SupportMeeting.id == meeting_id, _readable_by(actor))
    ).first()
    if found is None:
        return None
    meeting, referral = found
    record_case_event(
        session, "referral.read", referral.id, actor, reason=f"shared_minutes:{meeting.id}"
    )
    return meeting, referral


def shared_meeting_dates(session: Session, referral: Referral) -> list[tuple[int, date]]:
    """The meetings of a case whose minutes the city shared with the NPO: (id, date), oldest
    first, for the case page of a liaison who may open the case (the minutes page reads them)."""
    rows = session.execute(
        select(SupportMeeting.id, SupportMeeting.held_on)
        .where(
            SupportMeeting.referral_id == referral.id,
            SupportMeeting.shared_with_liaison.is_(True),
        )
        .order_by(SupportMeeting.held_on, SupportMeeting.id)
    )
    return [(row.id, row.held_on) for row in rows]
