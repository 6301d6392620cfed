"""The synthetic data's shared parts (`demo`): what a run added, the first day, and `Rows`,
the session, clock, ids and bulk inserts every part of the generator uses.

Rows are inserted in bulk with explicit ids (`Rows.ids`): `stale` reads their days back by id
and marks them, so the statistics' daily totals count them as soon as they are read.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from core.row_binding import sync_id_sequences
from core.timezone import TOKYO, in_tokyo
from directory.models import Service

SYNTHETIC = "合成データ"
FISCAL_YEARS = 3  # the current fiscal year and the two before it


@dataclass
class DemoSummary:
    """What one run added (counts only)."""

    referrals: int = 0
    status_changes: int = 0
    consents_withdrawn: int = 0
    contact_attempts: int = 0
    links: int = 0
    follow_ups: int = 0
    meetings: int = 0
    outreach_subjects: int = 0
    outreach_contacts: int = 0
    card_batches: int = 0
    card_handouts: int = 0
    trainings: int = 0
    first_referral: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        return (
            f"{self.referrals} synthetic referrals ({self.consents_withdrawn} consents withdrawn, "
            f"{self.links} links, {self.follow_ups} follow-ups, {self.meetings} support meetings), "
            f"{self.outreach_subjects} outreach subjects ({self.outreach_contacts} contacts), "
            f"{self.card_batches} card batches ({self.card_handouts} hand-outs), "
            f"{self.trainings} trainings"
        )


def first_day(now: datetime) -> date:
    """1 April of the fiscal year two before the current one (Japan time)."""
    today = in_tokyo(now).date()
    start_year = today.year if today.month >= 4 else today.year - 1
    return date(start_year - (FISCAL_YEARS - 1), 4, 1)


def pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(tuple(weights), tuple(weights.values()))[0]


class Rows:
    """What every part of the generator shares: the session, the clock, fresh ids, inserts."""

    def __init__(
        self, session: Session, rng: random.Random, now: datetime, staff: list[int],
        districts: list[str],
    ) -> None:  # fmt: skip
        self.session, self.rng, self.now, self.staff = session, rng, now, staff
        self.districts = districts
        self.start = datetime.combine(first_day(now), time(), TOKYO).astimezone(UTC)
        self.today = in_tokyo(now).date()
        self.summary = DemoSummary()
        self.touched: list[Table] = []
        self.next_ids: dict[str, int] = {}
        self.referral_ids: list[int] = []
        self.contact_days: list[tuple[int, date]] = []  # (contact id, day) of visits done
        self.services = list(session.scalars(select(Service.id).order_by(Service.id).limit(200)))
        self.organizations = list(
            session.scalars(
                select(Service.organization_id).distinct().order_by(Service.organization_id)
            )
        )

    def ids(self, table: Table, count: int) -> range:
        """``count`` fresh ids after the highest already in the table (or given in this run)."""
        name = table.name
        if name not in self.next_ids:
            highest = self.session.scalar(select(func.max(table.c.id))) or 0
            self.next_ids[name] = highest + 1
            self.touched.append(table)
        first = self.next_ids[name]
        self.next_ids[name] = first + count
        return range(first, first + count)

    def insert(self, model: type, rows: list[dict]) -> None:
        if rows:
            self.session.execute(insert(model), rows)

    def moment(self) -> datetime:
        span = (self.now - self.start).total_seconds()
        return self.start + timedelta(seconds=self.rng.random() * span)

    def after(self, moment: datetime, low_hours: float, high_hours: float) -> datetime | None:
        """A moment some hours after ``moment`` (skewed early), or None if it is still ahead."""
        later = moment + timedelta(
            hours=low_hours + (high_hours - low_hours) * self.rng.random() ** 2
        )
        return later if later <= self.now else None

    def sync(self) -> None:
        sync_id_sequences(self.session, self.touched)
