"""Referral pages over 100,000 cases, as ratios against a bare signed-in page in the same run.

Run with ``python -m bench.referrals``; the databases, the sign-in and the rounds are
`bench.harness`'s. The cases are inserted in bulk with their personal fields encrypted as the
app stores them (each a `RowBound` value, encrypted for its row), with consents and tasks.
Figures only; nothing is asserted.
"""

from __future__ import annotations

import os
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from backoffice.referrals.casework import Task
from backoffice.referrals.models import AGE_BANDS, GENDERS, Consent, Referral
from bench import harness
from bench.search import _analyze
from core.crypto import RowBound
from core.db import get_engine
from core.row_binding import sync_id_sequences
from directory.topics import TOPICS

SIZE = int(os.environ.get("BENCH_REFERRALS", "100000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "30"))
BATCH = 5000
CLOSED = ("ended", "ended", "followed_up", "followed_up", "unreachable")
OPEN = ("received", "first_contact", "arranging", "supporting")
PAGES = {
    harness.BASELINE: "bare signed-in page",
    "/referrals/": "case list, page 1",
    "/referrals/?page=50": "case list, page 50",
    "/referrals/?status=supporting&district=峰山町&risk=high": "filtered search",
    "/referrals/?sort=due": "case list by due date",
    "/referrals/?view=mine": "my work (by due date)",
    "/": "dashboard",
}


def main() -> None:
    print(f"\nReferral pages over {SIZE:,} cases, in-process, {REQUESTS} requests each (ms)\n")
    harness.on_each_database("tsunagu-bench-referrals-", "referrals.sqlite3", run)


def run(label: str, url: str, directory: Path) -> None:
    app = harness.bench_app(url, directory)
    engine = get_engine(app)
    started = time.perf_counter()
    staff_ids = harness.make_staff(app)
    generate(engine, staff_ids, random.Random(20261126))
    _analyze(engine)
    loading = time.perf_counter() - started
    client = harness.signed_in(app)
    timings, errors = harness.measure(client, PAGES, REQUESTS)
    print(f"{label}: {SIZE:,} cases generated in {loading:.0f} s")
    harness.print_ratios(PAGES, timings, errors, width=22)
    engine.dispose()


def generate(engine: Engine, staff_ids: list[int], rng: random.Random) -> None:
    """``SIZE`` cases over five years, most closed; consents; a task on each open case."""
    now = datetime.now(UTC)
    with Session(engine) as session, session.begin():
        for first in range(0, SIZE, BATCH):
            cases = [_case(rng, number, now, staff_ids) for number in range(first, first + BATCH)]
            cases = cases[: SIZE - first]
            session.execute(insert(Referral), [case for case, _ in cases])
            session.execute(insert(Consent), [_consent(case) for case, _ in cases])
            tasks = [task for _, task in cases if task is not None]
            if tasks:
                session.execute(insert(Task), tasks)
        sync_id_sequences(session, [Referral.__table__, Consent.__table__, Task.__table__])


def _case(
    rng: random.Random, number: int, now: datetime, staff: list[int]
) -> tuple[dict, dict | None]:
    is_open = rng.random() < 0.12
    received = now - timedelta(minutes=rng.randint(60, 60 * 24 * (90 if is_open else 5 * 365)))
    status = rng.choice(OPEN if is_open else CLOSED)
    assigned = rng.choice(staff) if rng.random() < 0.9 else None
    name = f"{rng.choice(harness.SURNAMES)} {rng.choice(harness.GIVEN)}"
    row = number + 1
    case = {
        "id": row,
        "case_number": f"R-{received.year}-{number + 1:06d}",
        "received_at": received,
        "source_channel": rng.choice(("line", "line", "chat", "phone")),
        "created_by_id": rng.choice(staff),
        "status": status,
        "risk_level": rng.choice(("high", "medium", "medium", "low")),
        "urgent": rng.random() < 0.1,
        "problem_categories": [t.slug for t in rng.sample(TOPICS, rng.randint(1, 3))],
        "age_band": rng.choice(AGE_BANDS),
        "gender": rng.choice(GENDERS),
        "district": rng.choice(harness.DISTRICTS),
        "person_name": RowBound(name, row),
        "person_kana": RowBound("たんご はなこ", row),
        "phone": RowBound(f"090-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}", row),
        "summary": RowBound("仕事を失い、借金の返済に困っている。眠れない日が続いている。", row),
        "wants": RowBound("生活の立て直しについて相談したい", row),
        "assigned_to_id": assigned,
        "assigned_at": received + timedelta(hours=2) if assigned else None,
        "acknowledged_at": received + timedelta(hours=3) if rng.random() < 0.95 else None,
        "first_contact_at": received + timedelta(hours=5) if status != "received" else None,
        "ended_at": received + timedelta(days=rng.randint(7, 120)) if not is_open else None,
        "end_reason": "resolved" if not is_open else "",
    }
    task = None
    if is_open:
        due = now + timedelta(hours=rng.randint(-72, 240))
        task = {"id": row, "referral_id": row, "title": RowBound("折り返しの電話", row),
                "due_at": due, "assignee_id": assigned, "created_at": received}  # fmt: skip
    return case, task


def _consent(case: dict) -> dict:
    return {
        "id": case["id"],
        "referral_id": case["id"],
        "consented_at": case["received_at"],
        "method": "line",
        "share_summary": True,
        "agencies": RowBound([], case["id"]),
        "wording": "市の担当者に、あなたの連絡先と相談の概要を伝えてよいですか。",
    }


if __name__ == "__main__":
    main()
