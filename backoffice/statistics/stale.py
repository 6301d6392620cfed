"""Marks the days whose daily totals (`models`) a write changes, in the writer's transaction.

Listens on every session, as `referrals.guard` does, so no service can forget it: a flush that
adds, changes or removes what a referral figure counts, and a bulk INSERT, UPDATE or DELETE run
through a session on those tables (the demo's bulk inserts, anonymisation's clearing), adds a
`StatisticsStaleDay` row for each day concerned, before and after the change (a case received on
another day moves between two days). Statistics sits above the areas it counts, so it may
listen to their models; they never know about it.

What each table's rows count on (Japan dates), asked of the database by id or by the bulk
statement's own condition, so an unloaded or unchanged value is never guessed:
- a case: the day it was received and ended, and the days of its links, follow-ups, consent
  withdrawal and meetings (anonymising a case changes how its meetings' agencies count);
- a status change: its case's day of receipt (the status flow counts cases by receipt);
- a consent: its withdrawal; a link: the day it was made; a follow-up, a meeting: the day held;
  a meeting's liaison: the meeting's day;
- a directory service whose area changes: the days of the links to it (links count by area);
  a directory organisation removed: every meeting's day (meetings count its kind).
A bulk statement whose rows cannot be read marks every day (a row with no day).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from sqlalchemy import event, insert, inspect, select, true
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.elements import ColumnElement

from backoffice.referrals.casework import MeetingParticipant, ReferralLink, SupportMeeting
from backoffice.referrals.models import Consent, FollowUp, Referral, StatusChange
from backoffice.statistics import figures_sql as sql
from backoffice.statistics.models import StatisticsStaleDay
from directory.models import Organization, Service

PENDING = "tsunagu.statistics.stale_days"  # days read before a flush, marked after it
MARKED = "tsunagu.statistics.marked_days"  # days marked in this transaction: once is enough
EVERY_DAY = None  # a mark with no day: every day is stale

DaysOf = Callable[[Session, ColumnElement[bool]], Iterable[Any]]


def _received(session: Session, where: ColumnElement[bool]) -> list[Any]:
    received = sql.day_of(session, Referral.received_at)
    ended = sql.day_of(session, Referral.ended_at)
    withdrawn = sql.day_of(session, Consent.withdrawn_at)
    queries = [
        select(received).where(where),
        select(ended).where(where, Referral.ended_at.is_not(None)),
        select(withdrawn).join(Referral, Referral.id == Consent.referral_id)
        .where(where, Consent.withdrawn_at.is_not(None)),
        *(select(column).join(Referral, Referral.id == model.referral_id).where(where)
          for model, column in ((ReferralLink, ReferralLink.linked_on),
                                (FollowUp, FollowUp.held_on),
                                (SupportMeeting, SupportMeeting.held_on))),
    ]  # fmt: skip
    return [day for query in queries for day in session.scalars(query)]


def _status(session: Session, where: ColumnElement[bool]) -> Iterable[Any]:
    received = sql.day_of(session, Referral.received_at)
    return session.scalars(
        select(received).join(StatusChange, StatusChange.referral_id == Referral.id).where(where)
    )


def _withdrawn(session: Session, where: ColumnElement[bool]) -> Iterable[Any]:
    withdrawn = sql.day_of(session, Consent.withdrawn_at)
    return session.scalars(select(withdrawn).where(where, Consent.withdrawn_at.is_not(None)))


def _own(column: Any) -> DaysOf:
    return lambda session, where: session.scalars(select(column).where(where))


def _participant(session: Session, where: ColumnElement[bool]) -> Iterable[Any]:
    return session.scalars(
        select(SupportMeeting.held_on)
        .join(MeetingParticipant, MeetingParticipant.meeting_id == SupportMeeting.id)
        .where(where)
    )


def _service(session: Session, where: ColumnElement[bool]) -> Iterable[Any]:
    return session.scalars(
        select(ReferralLink.linked_on)
        .join(Service, Service.id == ReferralLink.service_id)
        .where(where)
    )


def _organisation(session: Session, _where: ColumnElement[bool]) -> Iterable[Any]:
    return session.scalars(select(SupportMeeting.held_on).distinct())


# Table -> (its model, what its rows count on, the columns whose change matters, those of them
# that move a row to other days: their old days are read before the flush).
WATCHED: dict[str, tuple[Any, DaysOf, frozenset[str], frozenset[str]]] = {
    "referral": (Referral, _received, frozenset({
        "received_at", "ended_at", "source_channel", "age_band", "gender", "district",
        "risk_level", "urgent", "problem_categories", "acknowledged_at", "first_contact_at",
        "end_reason", "anonymised_at"}), frozenset({"received_at", "ended_at"})),
    "referral_status_change": (StatusChange, _status, frozenset({"referral_id", "to_status"}),
                               frozenset({"referral_id"})),
    "referral_consent": (Consent, _withdrawn, frozenset({"withdrawn_at", "referral_id"}),
                         frozenset({"withdrawn_at", "referral_id"})),
    "referral_link": (ReferralLink, _own(ReferralLink.linked_on),
                      frozenset({"linked_on", "status", "service_id"}), frozenset({"linked_on"})),
    "referral_follow_up": (FollowUp, _own(FollowUp.held_on), frozenset({"held_on"}),
                           frozenset({"held_on"})),
    "referral_support_meeting": (SupportMeeting, _own(SupportMeeting.held_on),
                                 frozenset({"held_on", "agencies", "referral_id"}),
                                 frozenset({"held_on"})),
    "referral_meeting_participant": (MeetingParticipant, _participant,
                                     frozenset({"meeting_id"}), frozenset({"meeting_id"})),
    "service": (Service, _service, frozenset({"area"}), frozenset()),
    "organization": (Organization, _organisation, frozenset(), frozenset()),
}  # fmt: skip


def mark(session: Session, days: Iterable[date | None]) -> None:
    """Add stale marks for ``days`` in the session's transaction (None: every day), each day
    once per transaction (a bulk load touches the same days batch after batch)."""
    marked: set[date | None] = session.info.setdefault(MARKED, set())
    fresh = set(days) - marked
    rows = [{"day": day} for day in sorted(fresh, key=lambda d: (d is not None, d))]
    if rows:
        session.connection().execute(insert(StatisticsStaleDay.__table__), rows)
        marked |= fresh


def _days(session: Session, table: str, where: ColumnElement[bool]) -> set[date]:
    _, days_of, _, _ = WATCHED[table]
    with session.no_autoflush:
        return {day for day in days_of(session, where) if day is not None}


def _by_id(session: Session, table: str, ids: set[Any]) -> set[date]:
    model = WATCHED[table][0]
    found: set[date] = set()
    ordered = sorted(ids)
    for start in range(0, len(ordered), 500):
        found |= _days(session, table, model.id.in_(ordered[start : start + 500]))
    return found


def _changed(obj: Any, names: frozenset[str]) -> bool:
    attributes = inspect(obj).attrs
    return any(attributes[name].history.has_changes() for name in names if name in attributes)


def _watched(obj: Any) -> str | None:
    table = getattr(getattr(obj, "__table__", None), "name", None)
    return table if table in WATCHED else None


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    """The days rows count on before they change: those deleted, and those moved."""
    old: dict[str, set[Any]] = {}
    for obj in session.deleted:
        table = _watched(obj)
        if table is not None:
            old.setdefault(table, set()).add(obj.id)
    for obj in session.dirty:
        table = _watched(obj)
        if table is not None and _changed(obj, WATCHED[table][3]):
            old.setdefault(table, set()).add(obj.id)
    pending = session.info.setdefault(PENDING, set())
    for table, ids in old.items():
        pending |= _by_id(session, table, ids)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    """The days of rows added or changed, as now stored; then every mark of the flush."""
    new: dict[str, set[Any]] = {}
    for obj in session.new:
        table = _watched(obj)
        if table is not None and table != "organization":
            new.setdefault(table, set()).add(obj.id)
    for obj in session.dirty:
        table = _watched(obj)
        if table is not None and _changed(obj, WATCHED[table][2]):
            new.setdefault(table, set()).add(obj.id)
    days = session.info.pop(PENDING, set())
    for table, ids in new.items():
        days |= _by_id(session, table, ids)
    mark(session, days)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, _previous: Any) -> None:
    # A savepoint's rollback may take marks with it: mark every day again from here on.
    session.info.pop(PENDING, None)
    session.info.pop(MARKED, None)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    session.info.pop(MARKED, None)


@event.listens_for(Session, "do_orm_execute")
def _bulk_write(state: ORMExecuteState) -> Any:
    """A bulk INSERT, UPDATE or DELETE on a watched table: its rows' days, before and after."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return None
    table = getattr(getattr(state.statement, "table", None), "name", None)
    if table not in WATCHED:
        return None
    session = state.session
    if state.is_insert:
        rows = state.parameters if isinstance(state.parameters, list) else [state.parameters]
        ids = {row.get("id") if isinstance(row, dict) else None for row in rows}
        result = state.invoke_statement()
        if None in ids:
            mark(session, [EVERY_DAY])  # rows given no id: they cannot be found again
        else:
            mark(session, _by_id(session, table, ids))
        return result
    where = state.statement.whereclause
    where = true() if where is None else where
    before = _days(session, table, where)
    result = state.invoke_statement()
    after = _days(session, table, where) if state.is_update else set()
    mark(session, before | after)
    return result
