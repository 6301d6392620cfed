"""Outreach pages over 100,000 subjects, as ratios against a bare signed-in page in the same run.

Run with ``python -m bench.outreach``; the databases, the sign-in and the rounds are
`bench.harness`'s. The subjects are inserted in bulk with their personal fields encrypted as the
app stores them (each a `RowBound` value, encrypted for its row), each with a status change and
one or two contacts; some open subjects have a planned visit past its business-day deadline,
which the outreach list and the coordinator's dashboard show (capped, with the total).
Figures only; nothing is asserted.
"""

from __future__ import annotations

import os
import random
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from backoffice.outreach.models import (
    AGENCY_KINDS,
    CLOSED_STATUSES,
    LEGAL_BASES,
    OutreachContact,
    OutreachStatusChange,
    OutreachSubject,
)
from backoffice.outreach.visits import overdue_contacts
from bench import harness
from bench.search import _analyze
from core.crypto import RowBound
from core.db import get_engine
from core.row_binding import sync_id_sequences
from core.timezone import tokyo_today
from directory.topics import TOPICS

SIZE = int(os.environ.get("BENCH_OUTREACH", "100000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "30"))
BATCH = 5000
OPEN = ("received", "visit_planned", "visited", "watching", "watching")
PAGES = {
    harness.BASELINE: "bare signed-in page",
    "/outreach/": "subject list, page 1",
    "/outreach/?page=50": "subject list, page 50",
    "/outreach/?status=watching&district=峰山町": "filtered list",
    "/": "dashboard (overdue)",
}


def main() -> None:
    print(f"\nOutreach pages over {SIZE:,} subjects, in-process, {REQUESTS} requests each (ms)\n")
    harness.on_each_database("tsunagu-bench-outreach-", "outreach.sqlite3", run)


def run(label: str, url: str, directory: Path) -> None:
    app = harness.bench_app(url, directory / label.lower())
    engine = get_engine(app)
    started = time.perf_counter()
    staff_ids = harness.make_staff(app)
    generate(engine, staff_ids, random.Random(20261207))
    _analyze(engine)
    loading = time.perf_counter() - started
    with Session(engine) as session:
        overdue = overdue_contacts(session, tokyo_today()).total
        planned = session.scalar(
            select(func.count(OutreachContact.id)).where(OutreachContact.done_on.is_(None))
        )
    client = harness.signed_in(app)
    timings, errors = harness.measure(client, PAGES, REQUESTS)
    print(f"{label}: {SIZE:,} subjects generated in {loading:.0f} s "
          f"({planned:,} contacts planned, {overdue:,} of them overdue)")  # fmt: skip
    harness.print_ratios(PAGES, timings, errors, width=24)
    engine.dispose()


def generate(engine: Engine, staff_ids: list[int], rng: random.Random) -> None:
    """``SIZE`` subjects over five years, most closed; a status change each; contacts (a visit
    done, and on open subjects often one planned, now and then past its date)."""
    today = tokyo_today()
    now = datetime.now(UTC)
    counter = {"contact": 0}
    with Session(engine) as session, session.begin():
        for first in range(0, SIZE, BATCH):
            numbers = range(first, min(first + BATCH, SIZE))
            rows = [_subject(rng, number, today, now, staff_ids, counter) for number in numbers]
            session.execute(insert(OutreachSubject), [subject for subject, _, _ in rows])
            session.execute(insert(OutreachStatusChange), [change for _, change, _ in rows])
            session.execute(insert(OutreachContact), [c for _, _, cs in rows for c in cs])
        sync_id_sequences(
            session,
            [OutreachSubject.__table__, OutreachStatusChange.__table__, OutreachContact.__table__],
        )


def _subject(
    rng: random.Random, number: int, today: date, now: datetime, staff: list[int], counter: dict
) -> tuple[dict, dict, list[dict]]:
    is_open = rng.random() < 0.12
    received = today - timedelta(days=rng.randint(1, 90 if is_open else 5 * 365))
    status = rng.choice(OPEN) if is_open else rng.choice(CLOSED_STATUSES)
    row = number + 1
    closed_at = (
        None
        if is_open
        else datetime.combine(received, datetime.min.time(), UTC)
        + timedelta(days=rng.randint(14, 200))
    )
    by = rng.choice(staff)
    subject = {
        "id": row,
        "subject_number": f"P-{received.year}-{row:06d}",
        "received_on": received,
        "status": status,
        "created_by_id": by,
        "agency_kind": rng.choice(AGENCY_KINDS),
        "concern": [t.slug for t in rng.sample(TOPICS, rng.randint(1, 2))],
        "district": rng.choice(harness.DISTRICTS),
        "legal_basis": rng.choice(LEGAL_BASES[:2]),
        "agency_name": RowBound("地域包括支援センター", row),
        "passed_on_by": RowBound("民生委員 山田", row),
        "person_name": RowBound(f"{rng.choice(harness.SURNAMES)} {rng.choice(harness.GIVEN)}", row),
        "address": RowBound("京丹後市網野町網野1-2-3", row),
        "phone": RowBound(f"0772-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}", row),
        "known": RowBound("ひとり暮らしで、最近姿を見ないと近所の方から聞いた。", row),
        "closed_at": closed_at,
        "end_reason": "declined" if status == "ended" else "",
        "created_at": now,
        "updated_at": now,
    }
    change = {
        "id": row,
        "subject_id": row,
        "from_status": "received",
        "to_status": status,
        "changed_by_id": by,
        "changed_at": now,
        "reason": RowBound("訪問を記録した", row),
    }
    contacts = [_contact(counter, row, by, received + timedelta(days=3), "met")]
    if is_open and status != "received" and rng.random() < 0.6:
        # A planned visit: mostly still ahead, now and then past its date.
        planned = today + timedelta(days=rng.randint(-20, 30) if rng.random() < 0.2 else 5)
        contacts.append(_contact(counter, row, by, None, "", planned_on=planned))
    return subject, change, contacts


def _contact(
    counter: dict, subject: int, staff: int, done_on: date | None, result: str,
    planned_on: date | None = None,
) -> dict:  # fmt: skip
    counter["contact"] += 1
    row = counter["contact"]
    return {
        "id": row,
        "subject_id": subject,
        "kind": "home_visit",
        "planned_on": planned_on or done_on,
        "done_on": done_on,
        "staff_id": staff,
        "result": result,
        "note": RowBound("玄関先で少し話せた。", row) if done_on else None,
        "next_step": RowBound("来月もう一度訪ねる", row),
        "next_on": None,
        "recorded_by_id": staff,
        "recorded_at": datetime.now(UTC),
    }


if __name__ == "__main__":
    main()
