"""The referral figures summed from daily totals equal the reference SQL over the whole period,
whatever writes happen between reads: random cases and random writes across days (intake,
status changes, acknowledgement, first contact, end, links, follow-ups, withdrawals, meetings,
anonymisation, moves to another day, bulk inserts), checked for a month, fiscal years, a range
and a range ending today, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.referrals.casework import MeetingParticipant, ReferralLink, SupportMeeting
from backoffice.referrals.models import FollowUp, Referral, StatusChange
from backoffice.referrals.records.anonymise import anonymise_referral
from backoffice.staff.actor import Actor
from backoffice.statistics import demo, rollup_fill
from backoffice.statistics.figures_referrals import reference_tables, tables
from backoffice.statistics.models import StatisticsDay, StatisticsStaleDay
from backoffice.statistics.periods import Period, fiscal_year_of
from core.db import get_engine
from core.timezone import TOKYO, tokyo_today
from directory.models import Organization, Service
from tests.referrals import DISTRICTS, make_referral
from tests.staff import load_user, make_staff

SPAN_DAYS = 420  # cases received over the last 420 days, today included
STATUSES = ("first_contact", "arranging", "supporting", "ended", "followed_up", "unreachable")


def periods(today: date) -> list[Period]:
    fiscal = fiscal_year_of(today)
    earlier = today - timedelta(days=200)
    return [
        Period.month(today.year, today.month),
        Period.month(earlier.year, earlier.month),
        Period.fiscal_year(fiscal),
        Period.fiscal_year(fiscal - 1),
        Period.between(today - timedelta(days=45), today),  # ends today: live and stored
        Period.between(today - timedelta(days=300), today - timedelta(days=90)),
    ]


def assert_rollups_equal_reference(app: Flask, chosen: list[Period]) -> None:
    with app.app_context(), Session(get_engine(app)) as db, db.begin():
        for period in chosen:
            summed = tables(db, period, DISTRICTS)
            reference = reference_tables(db, period, DISTRICTS)
            for got, expected in zip(summed, reference, strict=True):
                assert got == expected, (period, got.key)


class World:
    """Random cases and writes, each committed in its own transaction as a service would."""

    def __init__(self, app: Flask, seed: int) -> None:
        self.app, self.rng = app, random.Random(seed)
        self.staff = make_staff(app, "coordinator")
        self.liaison = make_staff(app, "liaison")
        self.now = datetime.now(UTC)
        self.cases: list[int] = []
        with app.app_context(), Session(get_engine(app)) as db, db.begin():
            db.add(Organization(id="org-r", name="京丹後市社会福祉協議会"))
            db.add(
                Service(id="svc-r", organization_id="org-r", name="家計相談", area="municipality")
            )

    def moment(self) -> datetime:
        """A moment in the last SPAN_DAYS days, at most now (today's cases count live)."""
        return self.now - timedelta(seconds=self.rng.uniform(0, SPAN_DAYS * 86400))

    def day(self) -> date:
        return self.moment().astimezone(TOKYO).date()

    def intake(self) -> None:
        received = self.moment()
        rng = self.rng
        self.cases.append(make_referral(
            self.app, self.staff.id, received_at=received, consented_at=received,
            source_channel=rng.choice(("line", "chat", "phone", "other")),
            age_band=rng.choice(("20s", "30s", "70_plus", "not_stated")),
            gender=rng.choice(("female", "male", "other")), district=rng.choice(DISTRICTS),
            risk_level=rng.choice(("high", "medium", "low")), urgent=rng.random() < 0.3,
            problem_categories=rng.sample(["debt", "work", "hikikomori", "mental-health"], 2),
        ))  # fmt: skip

    def write(self) -> None:
        """One random write to one random case (or the directory)."""
        rng = self.rng
        case_id = rng.choice(self.cases)
        with self.app.app_context(), Session(get_engine(self.app)) as db, db.begin():
            case = db.get(Referral, case_id)
            assert case is not None
            if case.anonymised_at is not None:
                return  # closed for good (`referrals.guard`)
            choice = rng.randrange(12)
            minutes = rng.randint(0, 4000) + rng.random()
            if choice == 0:
                case.acknowledged_at = case.received_at + timedelta(minutes=minutes)
            elif choice == 1:
                case.first_contact_at = case.received_at + timedelta(minutes=minutes)
            elif choice == 2:
                to = rng.choice(STATUSES)
                db.add(StatusChange(referral_id=case_id, from_status=case.status, to_status=to,
                                    changed_at=self.now))  # fmt: skip
            elif choice == 3:
                case.status, case.end_reason = "ended", rng.choice(("resolved", "moved", ""))
                case.ended_at = min(case.received_at + timedelta(days=rng.randint(0, 90)), self.now)
            elif choice == 4:
                db.add(ReferralLink(
                    referral_id=case_id, linked_on=self.day(),
                    status=rng.choice(("proposed", "connected", "declined")),
                    **({"service_id": "svc-r"} if rng.random() < 0.5 else {"agency_name": "窓口"}),
                ))  # fmt: skip
            elif choice == 5:
                link = db.scalar(select(ReferralLink).where(ReferralLink.referral_id == case_id))
                if link is not None:  # another status, or another day
                    link.status = "ended"
                    link.linked_on = self.day() if rng.random() < 0.5 else link.linked_on
            elif choice == 6:
                db.add(FollowUp(referral_id=case_id, held_on=self.day(), result="変わりなし"))
            elif choice == 7:
                if case.consent.withdrawn_at is None:
                    case.consent.withdrawn_at = self.moment()
            elif choice == 8:
                agencies = rng.choice(([], ["org-r"], ["org-r", "丹後 花子さん"], ["窓口"]))
                meeting = SupportMeeting(referral_id=case_id, held_on=self.day(),
                                         agencies=agencies, agenda="議題")  # fmt: skip
                db.add(meeting)
                db.flush()
                if rng.random() < 0.5:
                    db.add(MeetingParticipant(meeting_id=meeting.id,
                                              staff_user_id=self.liaison.id))  # fmt: skip
            elif choice == 9:  # received on another day: it moves between two days
                case.received_at = self.moment()
                case.district = rng.choice(DISTRICTS)
            elif choice == 10:
                case.status, case.ended_at = "ended", case.ended_at or self.now
                anonymise_referral(db, case, actor=Actor.of(load_user(self.app, self.staff.id)),
                                   reason="保存期間の経過")  # fmt: skip
            else:
                service = db.get(Service, "svc-r")
                assert service is not None
                service.area = rng.choice(("municipality", "prefecture", "national"))

    def read(self, chosen: list[Period]) -> None:
        """Read as a page would (the totals computed and committed)."""
        with self.app.app_context(), Session(get_engine(self.app)) as db, db.begin():
            for period in chosen:
                tables(db, period, DISTRICTS)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_daily_totals_equal_the_reference_after_random_writes(
    backoffice_app: Flask, seed: int
) -> None:
    world = World(backoffice_app, seed)
    chosen = periods(tokyo_today())
    for _ in range(14):
        world.intake()
    world.read(chosen)  # every day computed: from now on only the marks keep them right
    for round_number in range(8):
        for _ in range(6):
            world.write()
        if round_number % 2:
            world.intake()
        assert_rollups_equal_reference(backoffice_app, [world.rng.choice(chosen)])
    assert_rollups_equal_reference(backoffice_app, chosen)


def counts_of(app: Flask, query: Callable[[], object]) -> int:
    with app.app_context(), Session(get_engine(app)) as db:
        return int(db.scalar(query()) or 0)  # type: ignore[call-overload]


def test_a_read_recomputes_only_the_days_a_write_marked(backoffice_app: Flask) -> None:
    app = backoffice_app
    staff = make_staff(app, "coordinator")
    received = datetime.now(UTC) - timedelta(days=30)
    case_id = make_referral(app, staff.id, received_at=received, consented_at=received)
    period = Period.fiscal_year(fiscal_year_of(tokyo_today()) - 1)
    with app.app_context(), Session(get_engine(app)) as db, db.begin():
        assert rollup_fill.refresh(db, period) == (period.end - period.start).days
        assert rollup_fill.refresh(db, period) == 0  # nothing changed: nothing to do
    day = period.start + timedelta(days=10)
    with app.app_context(), Session(get_engine(app)) as db, db.begin():
        db.add(FollowUp(referral_id=case_id, held_on=day, result="変わりなし"))
    marked = counts_of(app, lambda: select(func.count()).select_from(StatisticsStaleDay))
    assert marked >= 1
    with app.app_context(), Session(get_engine(app)) as db, db.begin():
        assert rollup_fill.refresh(db, period) == 1  # the follow-up's day, and no other
    for span, expected in (("d", (period.end - period.start).days), ("m", 12), ("y", 1)):
        query = select(func.count()).where(StatisticsDay.span == span)
        assert counts_of(app, lambda q=query: q) == expected, span  # the day's month summed again


def test_bulk_inserts_and_the_rebuild_keep_the_totals_right(backoffice_app: Flask) -> None:
    """The demo's bulk inserts (no flush) mark their days; `rebuild` computes them anew."""
    app = backoffice_app
    staff = make_staff(app, "coordinator")
    chosen = periods(tokyo_today())
    assert_rollups_equal_reference(app, chosen)  # every day computed, all empty
    with app.app_context(), Session(get_engine(app)) as db, db.begin():
        demo.generate(db, 300, staff_ids=[staff.id], districts=DISTRICTS, seed=7)
    assert_rollups_equal_reference(app, chosen)
    with app.app_context(), Session(get_engine(app)) as db, db.begin():
        assert rollup_fill.rebuild(db) > 365
    assert_rollups_equal_reference(app, chosen)
