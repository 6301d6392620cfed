"""Deadlines on cases in the Japanese calendar: one business day to acknowledge a handoff,
``urgent_contact_hours`` to contact an urgent case, and tasks past their due time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from backoffice.referrals import escalation
from backoffice.referrals.casework import Task
from backoffice.referrals.escalation import is_business_day, next_business_day
from backoffice.referrals.models import Referral
from core.config import Settings
from core.db import utcnow
from core.timezone import TOKYO
from tests.referrals import make_referral
from tests.staff import make_staff


def tokyo(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=TOKYO)  # type: ignore[misc]


# ---- the calendar -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (tokyo(2026, 3, 13, 18, 30), tokyo(2026, 3, 16, 18, 30)),  # Friday evening → Monday
        (tokyo(2026, 3, 14, 11, 0), tokyo(2026, 3, 16, 11, 0)),  # Saturday → Monday
        (tokyo(2026, 3, 19, 9, 0), tokyo(2026, 3, 23, 9, 0)),  # before 春分の日 (Fri 3/20)
        (tokyo(2026, 4, 28, 17, 0), tokyo(2026, 4, 30, 17, 0)),  # before 昭和の日 (Wed 4/29)
        (tokyo(2026, 5, 1, 20, 0), tokyo(2026, 5, 7, 20, 0)),  # Golden Week, 振替休日 5/6
        (tokyo(2025, 12, 26, 19, 0), tokyo(2026, 1, 5, 19, 0)),  # New Year: 12/29–1/3, Sunday 1/4
        (tokyo(2026, 12, 28, 10, 0), tokyo(2027, 1, 4, 10, 0)),  # the last working day of a year
        (tokyo(2026, 1, 9, 17, 0), tokyo(2026, 1, 13, 17, 0)),  # 成人の日 (Mon 1/12)
    ],
)
def test_a_handoff_is_due_the_next_business_day_at_the_same_time(
    received: datetime, due: datetime
) -> None:
    assert next_business_day(received) == due
    assert escalation.acknowledge_by(received) == due


def test_the_calendar_is_reckoned_in_tokyo_whatever_the_instants_zone() -> None:
    friday_in_utc = datetime(2026, 1, 9, 16, 0, tzinfo=UTC)  # Saturday 1:00 in Tokyo

    assert next_business_day(friday_in_utc) == tokyo(2026, 1, 13, 1, 0)


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_business_day(datetime(2026, 3, 13, 18, 0))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("day", "business"),
    [
        (date(2026, 3, 16), True),
        (date(2026, 3, 14), False),  # Saturday
        (date(2026, 3, 20), False),  # 春分の日
        (date(2026, 5, 6), False),  # 振替休日
        (date(2026, 12, 29), False),  # year-end closure, a Tuesday
        (date(2027, 1, 4), True),
    ],
)
def test_business_days(day: date, business: bool) -> None:
    assert is_business_day(day) is business


# Hypothesis takes naive bounds and attaches the zone itself.
FIRST, LAST = datetime(2020, 1, 1), datetime(2035, 12, 31)  # noqa: DTZ001


@given(st.datetimes(min_value=FIRST, max_value=LAST, timezones=st.just(UTC)))
def test_the_deadline_is_the_first_business_day_after_at_the_same_tokyo_time(
    moment: datetime,
) -> None:
    due = next_business_day(moment)
    local = moment.astimezone(TOKYO)

    assert due.timetz() == local.timetz() and is_business_day(due.date())
    assert due - moment >= timedelta(days=1)
    skipped = (local.date() + timedelta(days=n) for n in range(1, (due.date() - local.date()).days))
    assert not any(is_business_day(day) for day in skipped)


# ---- escalations, travelling in time ----------------------------------------------------------


@pytest.fixture
def liaison(backoffice_app: Flask, session: Session) -> int:
    return make_staff(backoffice_app, "liaison").id


def handoff(app: Flask, liaison: int, **changes: object) -> int:
    """A case received now (the travelled-to now)."""
    now = utcnow()
    return make_referral(app, liaison, received_at=now, consented_at=now, **changes)


def ids(deadlines: list[escalation.Deadline]) -> list[int]:
    return [d.referral.id for d in deadlines]


def test_an_urgent_case_escalates_when_its_contact_hours_are_up(
    backoffice_app: Flask, session: Session, liaison: int, settings: Settings, time_machine
) -> None:
    hours = settings.urgent_contact_hours
    assert hours == 4
    time_machine.move_to(tokyo(2026, 3, 13, 9, 0), tick=False)
    urgent = handoff(backoffice_app, liaison, urgent=True)
    handoff(backoffice_app, liaison, urgent=False)

    time_machine.move_to(tokyo(2026, 3, 13, 12, 59), tick=False)
    assert escalation.urgent_not_contacted(session, utcnow(), hours=hours) == []
    assert ids(escalation.awaiting_contact(session, utcnow(), hours=hours)) == [urgent]

    time_machine.move_to(tokyo(2026, 3, 13, 13, 0), tick=False)
    late = escalation.urgent_not_contacted(session, utcnow(), hours=hours)
    assert ids(late) == [urgent] and late[0].due_at == tokyo(2026, 3, 13, 13, 0)


def test_an_urgent_case_once_contacted_or_closed_no_longer_escalates(
    backoffice_app: Flask, session: Session, liaison: int, time_machine
) -> None:
    time_machine.move_to(tokyo(2026, 3, 13, 9, 0), tick=False)
    contacted = handoff(backoffice_app, liaison, urgent=True)
    closed = handoff(backoffice_app, liaison, urgent=True)
    session.get(Referral, contacted).first_contact_at = utcnow()  # type: ignore[union-attr]
    session.get(Referral, closed).status = "unreachable"  # type: ignore[union-attr]
    session.commit()

    time_machine.move_to(tokyo(2026, 3, 14, 9, 0), tick=False)
    assert escalation.urgent_not_contacted(session, utcnow(), hours=4) == []


def test_a_friday_evening_handoff_escalates_on_monday_evening(
    backoffice_app: Flask, session: Session, liaison: int, time_machine
) -> None:
    time_machine.move_to(tokyo(2026, 3, 13, 18, 0), tick=False)
    case = handoff(backoffice_app, liaison)

    time_machine.move_to(tokyo(2026, 3, 16, 17, 59), tick=False)
    assert escalation.unacknowledged(session, utcnow()) == []

    time_machine.move_to(tokyo(2026, 3, 16, 18, 0), tick=False)
    assert ids(escalation.unacknowledged(session, utcnow())) == [case]


def test_a_handoff_before_a_holiday_waits_for_the_next_business_day(
    backoffice_app: Flask, session: Session, liaison: int, time_machine
) -> None:
    time_machine.move_to(tokyo(2026, 3, 19, 10, 0), tick=False)  # the day before 春分の日
    case = handoff(backoffice_app, liaison)

    for day in (20, 21, 22):
        time_machine.move_to(tokyo(2026, 3, day, 23, 0), tick=False)
        assert escalation.unacknowledged(session, utcnow()) == []
    time_machine.move_to(tokyo(2026, 3, 23, 10, 0), tick=False)
    assert ids(escalation.unacknowledged(session, utcnow())) == [case]


def test_a_handoff_over_new_year_waits_until_january(
    backoffice_app: Flask, session: Session, liaison: int, time_machine
) -> None:
    time_machine.move_to(tokyo(2025, 12, 26, 19, 0), tick=False)
    case = handoff(backoffice_app, liaison)

    time_machine.move_to(tokyo(2026, 1, 5, 18, 59), tick=False)
    assert escalation.unacknowledged(session, utcnow()) == []
    time_machine.move_to(tokyo(2026, 1, 5, 19, 0), tick=False)
    assert ids(escalation.unacknowledged(session, utcnow())) == [case]


def test_an_acknowledged_handoff_does_not_escalate(
    backoffice_app: Flask, session: Session, liaison: int, time_machine
) -> None:
    time_machine.move_to(tokyo(2026, 3, 13, 18, 0), tick=False)
    case = handoff(backoffice_app, liaison)
    session.get(Referral, case).acknowledged_at = utcnow()  # type: ignore[union-attr]
    session.commit()

    time_machine.move_to(tokyo(2026, 3, 20, 18, 0), tick=False)
    assert escalation.unacknowledged(session, utcnow()) == []
    assert escalation.awaiting_acknowledgement(session, utcnow()) == []


def test_tasks_are_overdue_after_their_due_time_until_done(
    backoffice_app: Flask, session: Session, liaison: int, time_machine
) -> None:
    time_machine.move_to(tokyo(2026, 3, 13, 9, 0), tick=False)
    case = handoff(backoffice_app, liaison)
    coordinator = make_staff(backoffice_app, "coordinator").id
    due = tokyo(2026, 3, 16, 12, 0)
    mine = Task(referral_id=case, title="電話", due_at=due, assignee_id=coordinator)
    other = Task(referral_id=case, title="訪問", due_at=due, assignee_id=None)
    done = Task(referral_id=case, title="書類", due_at=due, assignee_id=coordinator, done_at=due)
    session.add_all([mine, other, done])
    session.commit()

    time_machine.move_to(tokyo(2026, 3, 16, 11, 59), tick=False)
    assert escalation.overdue_tasks(session, utcnow()) == []

    time_machine.move_to(tokyo(2026, 3, 16, 12, 1), tick=False)
    everyone = escalation.overdue_tasks(session, utcnow())
    assert [row.task.id for row in everyone] == [mine.id, other.id]
    assert everyone[0].case_number.startswith("R-2026-")
    assert [
        r.task.id for r in escalation.overdue_tasks(session, utcnow(), assignee_id=coordinator)
    ] == [mine.id]
    assert escalation.count_overdue_tasks(session, utcnow(), assignee_id=coordinator) == 1


def test_the_worklist_caps_each_list_and_keeps_the_count(
    backoffice_app: Flask, session: Session, liaison: int
) -> None:
    coordinator = make_staff(backoffice_app, "coordinator").id
    cases = [make_referral(backoffice_app, liaison) for _ in range(escalation.LIST_LIMIT + 2)]
    for case in cases:
        session.get(Referral, case).assigned_to_id = coordinator  # type: ignore[union-attr]
    session.commit()

    work = escalation.worklist(session, coordinator, utcnow() + timedelta(days=10), hours=4)

    assert len(work.my_cases.items) == escalation.LIST_LIMIT and work.my_cases.total == 22
    assert work.unacknowledged.more == 2
    assert all(d.overdue for d in work.unacknowledged.items)
    assert work.my_overdue_tasks.total == 0 and work.urgent_without_contact.total == 0
