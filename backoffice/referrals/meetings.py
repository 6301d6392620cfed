"""支援会議: case meetings the municipality convenes with related agencies, and their minutes.

The agencies at a meeting are directory organisations (stored by id, shown by their current
name) or names typed in for agencies the directory does not list. Once the person has withdrawn
their consent, no agency may be added to a meeting: withdrawal stops further sharing with
agencies. A meeting without agencies (the staff among themselves) is still allowed, and agencies
already on a meeting's record stay there, since that sharing has already happened.

The minutes shared with the NPO are `backoffice.referrals.minutes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from backoffice.referrals.casework import SupportMeeting
from backoffice.referrals.consent import UNCONSENTED, extend_consent, unconsented
from backoffice.referrals.models import Referral
from backoffice.referrals.trail import record_case_event
from backoffice.referrals.workflow import ConflictError, check_version
from backoffice.staff.actor import Actor
from core.problems import ProblemsError
from directory.models import Organization, Service

TEXT_LIMIT = 4000
NAME_LIMIT = 200
MAX_AGENCIES = 20
WITHDRAWN_MESSAGE = (
    "本人が同意を撤回しているため、関係機関を会議に加えることはできません。"
    "同意の撤回のあとは、関係機関と情報を共有しません。"
)


class MeetingError(ProblemsError):
    """A meeting refused as it stands: nothing was stored or changed."""


@dataclass
class MeetingValues:
    """A meeting as the form gives it: dates, agencies (directory ids and typed names), text."""

    held_on: date | None
    organization_ids: list[str] = field(default_factory=list)
    other_agencies: list[str] = field(default_factory=list)
    agenda: str = ""
    decisions: str = ""
    next_meeting_on: date | None = None
    consent_confirmed: bool = False  # agencies the consent does not name: agreed since

    @property
    def agencies(self) -> list[str]:
        names = [a.strip() for a in self.other_agencies if a.strip()]
        return list(dict.fromkeys([*self.organization_ids, *names]))


def published_organizations(session: Session) -> list[Organization]:
    """Organisations with at least one published service: the ones the public can see."""
    published = exists().where(
        Service.organization_id == Organization.id, Service.status == "published"
    )
    statement = select(Organization).where(published)
    return list(session.scalars(statement.order_by(Organization.name_kana, Organization.name)))


def organization_names(session: Session, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = session.execute(
        select(Organization.id, Organization.name).where(Organization.id.in_(ids))
    )
    return {row.id: row.name for row in rows}


def agency_names(session: Session, meeting: SupportMeeting) -> list[str]:
    """The meeting's agencies by name, directory organisations under their current name."""
    names = organization_names(session, list(meeting.agencies or []))
    return [names.get(agency, agency) for agency in meeting.agencies or []]


def values_of(session: Session, meeting: SupportMeeting) -> MeetingValues:
    """A stored meeting as form values (to fill the edit form, or compare with a stale save)."""
    known = organization_names(session, list(meeting.agencies or []))
    return MeetingValues(
        held_on=meeting.held_on,
        organization_ids=[a for a in meeting.agencies or [] if a in known],
        other_agencies=[a for a in meeting.agencies or [] if a not in known],
        agenda=meeting.agenda or "",
        decisions=meeting.decisions or "",
        next_meeting_on=meeting.next_meeting_on,
    )


def validate_meeting(
    session: Session, referral: Referral, values: MeetingValues, *, before: list[str]
) -> dict[str, str]:
    """Problems by field, each a Japanese sentence; empty when the meeting may be stored."""
    problems: dict[str, str] = {}
    if values.held_on is None:
        problems["held_on"] = "開催日を入力してください。"
    elif values.next_meeting_on is not None and values.next_meeting_on <= values.held_on:
        problems["next_meeting_on"] = "次回の開催予定日は、開催日より後の日付にしてください。"
    if not values.agenda.strip():
        problems["agenda"] = "議題を入力してください。"
    for name in ("agenda", "decisions"):
        if len(getattr(values, name)) > TEXT_LIMIT:
            problems[name] = f"{TEXT_LIMIT}文字以内で入力してください。"
    allowed = {o.id for o in published_organizations(session)} | set(before)
    if any(o not in allowed for o in values.organization_ids):
        problems["organization_ids"] = "関係機関を一覧から選んでください。"
    if any(len(name.strip()) > NAME_LIMIT for name in values.other_agencies):
        problems["other_agencies"] = f"機関の名前は1行{NAME_LIMIT}文字以内で入力してください。"
    if len(values.agencies) > MAX_AGENCIES:
        problems["other_agencies"] = f"関係機関は{MAX_AGENCIES}件までです。"
    added = [a for a in values.agencies if a not in before]
    on_list = any(a in values.organization_ids for a in added)
    field_name = "organization_ids" if on_list else "other_agencies"
    if added and referral.consent is not None and referral.consent.withdrawn:
        problems[field_name] = WITHDRAWN_MESSAGE
    elif unconsented(referral, _names(session, added)) and not values.consent_confirmed:
        problems.setdefault(field_name, UNCONSENTED)
    return problems


def _names(session: Session, agencies: list[str]) -> list[str]:
    """Directory organisations by name, typed names as they are."""
    names = organization_names(session, agencies)
    return [names.get(agency, agency) for agency in agencies]


def create_meeting(
    session: Session,
    referral: Referral,
    values: MeetingValues,
    *,
    actor: Actor,
) -> SupportMeeting:
    """Record a meeting, or raise `MeetingError` having stored nothing."""
    problems = validate_meeting(session, referral, values, before=[])
    if problems:
        raise MeetingError(problems)
    extend_consent(session, referral, _names(session, values.agencies), actor=actor)
    meeting = SupportMeeting(referral_id=referral.id, recorded_by_id=actor.id)
    _apply(meeting, values)
    session.add(meeting)
    session.flush()
    _audit(session, "referral.meeting.create", meeting, actor)
    return meeting


def update_meeting(
    session: Session,
    referral: Referral,
    meeting: SupportMeeting,
    values: MeetingValues,
    *,
    actor: Actor,
    expected_version: int | None,
) -> SupportMeeting:
    """Change a meeting; `ConflictError` if it changed since the form was opened, `MeetingError`
    if the values are refused. Either way nothing is changed."""
    check_version(meeting, expected_version)
    before = list(meeting.agencies or [])
    problems = validate_meeting(session, referral, values, before=before)
    if problems:
        raise MeetingError(problems)
    added = [a for a in values.agencies if a not in before]
    extend_consent(session, referral, _names(session, added), actor=actor)
    _apply(meeting, values)
    meeting.recorded_by_id = actor.id
    try:
        session.flush()
    except StaleDataError as error:  # saved by someone else between our read and our write
        raise ConflictError(meeting) from error
    _audit(session, "referral.meeting.update", meeting, actor)
    return meeting


def _apply(meeting: SupportMeeting, values: MeetingValues) -> None:
    meeting.held_on = values.held_on  # type: ignore[assignment]  (validated: not None)
    meeting.agencies = values.agencies
    meeting.agenda = values.agenda.strip() or None
    meeting.decisions = values.decisions.strip() or None
    meeting.next_meeting_on = values.next_meeting_on


def _audit(session: Session, action: str, meeting: Any, actor: Actor) -> None:
    reason = f"support_meeting:{meeting.id}"
    record_case_event(session, action, meeting.referral_id, actor, reason=reason)


def meetings_of(session: Session, referral_id: int) -> list[SupportMeeting]:
    statement = select(SupportMeeting).where(SupportMeeting.referral_id == referral_id)
    return list(
        session.scalars(statement.order_by(SupportMeeting.held_on.desc(), SupportMeeting.id))
    )


def describe(session: Session, values: MeetingValues) -> dict[str, str]:
    """The values as staff read them, by form field (to show what a stale save would change)."""
    names = organization_names(session, values.organization_ids)
    return {
        "held_on": str(values.held_on or ""),
        "organization_ids": "、".join(names.get(a, a) for a in values.agencies),
        "agenda": values.agenda.strip(),
        "decisions": values.decisions.strip(),
        "next_meeting_on": str(values.next_meeting_on or ""),
    }
