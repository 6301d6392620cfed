"""What is due, and for whom: the case rules of `backoffice.referrals` turned into rows.

- A new referral (waiting for acknowledgement, not yet overdue): the municipality's dedicated
  staff, everyone whose roles grant ``referral.edit``.
- An acknowledgement overdue (`escalation.unacknowledged`): the same staff, supervisors
  included.
- An urgent case not contacted in time (`escalation.urgent_not_contacted`): its assignee (the
  dedicated staff when nobody is assigned) and the supervisors (``referral.supervise``).
- A follow-up due: the case's follow-up date (``follow_up_due_on``, set when support ended) has
  come in Tokyo and no follow-up was recorded since support ended; the liaison who handed the
  case over and the case's members who may record follow-ups.

Inactive accounts get nothing, and nobody is told about a case they may not open
(`scopes.visible_to`). Everything is read at ``now``, passed in, so the rules hold at any date.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from backoffice.notifications.models import (
    ACKNOWLEDGEMENT_OVERDUE,
    FOLLOW_UP_DUE,
    NEW_REFERRAL,
    URGENT_NOT_CONTACTED,
    Notification,
)
from backoffice.referrals import escalation
from backoffice.referrals.models import FollowUp, Referral, ReferralMember
from backoffice.referrals.scopes import sees_all_cases, visible_to
from backoffice.staff.actor import Actor
from backoffice.staff.models import StaffUser
from core.timezone import in_tokyo


@dataclass(frozen=True)
class Occasion:
    """Something due about one case, and who should hear of it."""

    kind: str
    referral_id: int
    case_number: str
    occasion: str
    recipients: tuple[Actor, ...]


def stamp(moment: datetime) -> str:
    """A deadline as the occasion's text: the UTC minute, the same on every database."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


class Staff:
    """The active accounts once per run, with what their roles grant."""

    def __init__(self, session: Session) -> None:
        self.session = session
        users = session.scalars(select(StaffUser).where(StaffUser.active.is_(True)))
        self.by_id = {user.id: Actor.of(user) for user in users}

    def granted(self, permission: str) -> list[Actor]:
        return [actor for actor in self.by_id.values() if actor.may(permission)]

    def who_may_open(self, actors: Iterable[Actor | None], referral_id: int) -> tuple[Actor, ...]:
        """Each of ``actors`` who may open the case, once, in id order."""
        chosen = {actor.id: actor for actor in actors if actor is not None}
        return tuple(
            actor
            for _, actor in sorted(chosen.items())
            if sees_all_cases(actor) or self._sees(actor, referral_id)
        )

    def _sees(self, actor: Actor, referral_id: int) -> bool:
        statement = select(Referral.id).where(Referral.id == referral_id, visible_to(actor))
        return self.session.scalar(statement) is not None


def occasions(session: Session, now: datetime, *, hours: int) -> Iterator[Occasion]:
    staff = Staff(session)
    dedicated = staff.granted("referral.edit")
    supervisors = staff.granted("referral.supervise")
    for deadline in escalation.awaiting_acknowledgement(session, now):
        referral = deadline.referral
        kind = ACKNOWLEDGEMENT_OVERDUE if deadline.overdue else NEW_REFERRAL
        occasion = stamp(deadline.due_at if deadline.overdue else referral.received_at)
        recipients = staff.who_may_open(dedicated, referral.id)
        yield Occasion(kind, referral.id, referral.case_number, occasion, recipients)
    for deadline in escalation.urgent_not_contacted(session, now, hours=hours):
        referral = deadline.referral
        assignee = staff.by_id.get(referral.assigned_to_id or 0)
        first = [assignee] if assignee is not None else dedicated
        recipients = staff.who_may_open([*first, *supervisors], referral.id)
        yield Occasion(
            URGENT_NOT_CONTACTED, referral.id, referral.case_number, stamp(deadline.due_at),
            recipients,
        )  # fmt: skip
    for referral_id, case_number, due_on, liaisons in follow_ups_due(session, now):
        followers = [staff.by_id.get(i) for i in liaisons]
        followers = [a for a in followers if a is not None and a.may("referral.follow_up")]
        occasion = due_on.isoformat()
        recipients = staff.who_may_open(followers, referral_id)
        yield Occasion(FOLLOW_UP_DUE, referral_id, case_number, occasion, recipients)


def follow_ups_due(session: Session, now: datetime) -> Iterator[tuple[int, str, date, list[int]]]:
    """Ended cases whose follow-up date has come (in Tokyo) with no follow-up recorded since
    support ended: id, case number, the follow-up date, and the liaison who handed the case over
    with the case's members."""
    recorded = exists().where(
        FollowUp.referral_id == Referral.id, FollowUp.recorded_at >= Referral.ended_at
    )
    statement = (
        select(Referral.id, Referral.case_number, Referral.follow_up_due_on, Referral.created_by_id)
        .where(
            Referral.status == "ended",
            Referral.ended_at.is_not(None),
            Referral.follow_up_due_on <= in_tokyo(now).date(),
            ~recorded,
        )
        .order_by(Referral.follow_up_due_on, Referral.ended_at, Referral.id)
    )
    rows = session.execute(statement).all()
    members: dict[int, list[int]] = {}
    if rows:
        pairs = session.execute(
            select(ReferralMember.referral_id, ReferralMember.staff_user_id).where(
                ReferralMember.referral_id.in_([row.id for row in rows])
            )
        )
        for referral_id, user_id in pairs:
            members.setdefault(referral_id, []).append(user_id)
    for row in rows:
        yield (
            row.id, row.case_number, row.follow_up_due_on,
            [row.created_by_id, *members.get(row.id, [])],
        )  # fmt: skip


def collect(session: Session, now: datetime, *, hours: int) -> list[Notification]:
    """Add a notification for every occasion and recipient not told yet; return the new rows.

    Run twice, the second run adds nothing: the rows already there are looked up first, and the
    unique key refuses a row a concurrent run added meanwhile (that row is skipped, not an error).
    """
    found = list(occasions(session, now, hours=hours))
    known = _known(session, {o.referral_id for o in found})
    added = []
    for occasion in found:
        for actor in occasion.recipients:
            key = (actor.id, occasion.kind, occasion.referral_id, occasion.occasion)
            if key in known:
                continue
            known.add(key)
            row = _insert(session, actor.id, occasion, now)
            if row is not None:
                added.append(row)
    return added


def _known(session: Session, referral_ids: set[int]) -> set[tuple[int | None, str, int, str]]:
    if not referral_ids:
        return set()
    rows = session.execute(
        select(
            Notification.recipient_id, Notification.kind, Notification.referral_id,
            Notification.occasion,
        ).where(Notification.referral_id.in_(sorted(referral_ids)))
    )  # fmt: skip
    return {tuple(row) for row in rows}  # type: ignore[misc]


def _insert(session: Session, recipient_id: int, occasion: Occasion, now: datetime):
    """One row, unless the same key is there already (`ON CONFLICT DO NOTHING`, which SQLite and
    PostgreSQL both know): then None."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(Notification)
        .values(
            recipient_id=recipient_id,
            kind=occasion.kind,
            referral_id=occasion.referral_id,
            case_number=occasion.case_number,
            occasion=occasion.occasion,
            created_at=now,
        )
        .on_conflict_do_nothing()
        .returning(Notification.id)
    )
    new_id = session.scalar(statement)
    return session.get(Notification, new_id) if new_id is not None else None
