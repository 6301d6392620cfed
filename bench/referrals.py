"""Referral pages over 100,000 cases, as ratios against a bare signed-in page in the same run.

Run with ``python -m bench.referrals``. SQLite always (a temporary file); PostgreSQL too when
``BENCH_DATABASE_URL`` names a server, where a temporary database is created and dropped.
The cases are inserted in bulk with their personal fields encrypted as the app stores them
(each a `RowBound` value, encrypted for its row), with consents and tasks. The pages are
requested in-process through Flask's test client, signed in as a coordinator through the real
sign-in pages; the rounds are interleaved so that a noisy machine affects every page alike.
The baseline is /account/, a signed-in page that reads nothing about referrals: the same
gate, session and template work.
Figures only; nothing is asserted.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from backoffice import create_app
from backoffice.referrals.casework import Task
from backoffice.referrals.models import AGE_BANDS, GENDERS, Consent, Referral
from backoffice.staff import accounts, totp
from backoffice.staff.actor import Actor
from bench.search import _analyze, temporary_database
from core.config import load_settings
from core.crypto import RowBound
from core.db import get_engine
from core.migrate import upgrade_to_head
from core.profile import read_profile_file, store_profile
from core.row_binding import sync_id_sequences
from directory.topics import TOPICS

SIZE = int(os.environ.get("BENCH_REFERRALS", "100000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "30"))
BATCH = 5000
PASSWORD = "a long passphrase for the bench 7"  # noqa: S105  (a throwaway database)
DISTRICTS = ("峰山町", "大宮町", "網野町", "丹後町", "弥栄町", "久美浜町")
CLOSED = ("ended", "ended", "followed_up", "followed_up", "unreachable")
OPEN = ("received", "first_contact", "arranging", "supporting")
SURNAMES = ("丹後", "網野", "峰山", "吉田", "佐藤", "鈴木", "高橋", "田中", "中村", "小林")
GIVEN = ("花子", "太郎", "美咲", "健太", "由美", "大輔", "さくら", "翔", "陽子", "誠")
BASELINE = "/account/"
PAGES = {
    BASELINE: "bare signed-in page",
    "/referrals/": "case list, page 1",
    "/referrals/?page=50": "case list, page 50",
    "/referrals/?status=supporting&district=峰山町&risk=high": "filtered search",
    "/referrals/?sort=due": "case list by due date",
    "/referrals/?view=mine": "my work (by due date)",
    "/": "dashboard",
}


def main() -> None:
    print(f"\nReferral pages over {SIZE:,} cases, in-process, {REQUESTS} requests each (ms)\n")
    with tempfile.TemporaryDirectory(prefix="tsunagu-bench-referrals-") as directory:
        run("SQLite", f"sqlite:///{Path(directory) / 'referrals.sqlite3'}", Path(directory))
        server = os.environ.get("BENCH_DATABASE_URL")
        if server:
            with temporary_database(server) as url:
                run("PostgreSQL", url, Path(directory))
        else:
            print("(set BENCH_DATABASE_URL=postgresql+psycopg://... to measure PostgreSQL too)")


def run(label: str, url: str, directory: Path) -> None:
    app = bench_app(url, directory)
    engine = get_engine(app)
    started = time.perf_counter()
    staff_ids = make_staff(app)
    generate(engine, staff_ids, random.Random(20261126))
    _analyze(engine)
    loading = time.perf_counter() - started
    client = signed_in(app)
    timings, errors = measure(client)
    base = timings[BASELINE]
    print(f"{label}: {SIZE:,} cases generated in {loading:.0f} s")
    print(f"{'page':<22}{'median':>9}{'p95':>9}{'x median':>10}{'x p95':>9}{'errors':>8}")
    for path, name in PAGES.items():
        ordered = sorted(timings[path])
        median, p95 = statistics.median(ordered), percentile(ordered, 0.95)
        print(
            f"{name:<22}{median:>9.1f}{p95:>9.1f}{median / statistics.median(base):>10.2f}"
            f"{p95 / percentile(sorted(base), 0.95):>9.2f}{errors[path]:>8}"
        )
    print("(ratios against the bare signed-in page from the same run; compare ratios)\n")
    engine.dispose()


def bench_app(url: str, directory: Path) -> Flask:
    settings = load_settings(
        {
            "TSUNAGU_ENV": "development",
            "TSUNAGU_INSTANCE_PATH": str(directory / "instance"),
            "TSUNAGU_DATABASE_URL": url,
            "TSUNAGU_ARGON2_TIME_COST": "1",
            "TSUNAGU_ARGON2_MEMORY_KIB": "1024",
        }
    )
    app = create_app(settings)
    upgrade_to_head(get_engine(app))
    with Session(get_engine(app)) as session, session.begin():
        store_profile(session, read_profile_file(settings.profile_path))
    return app


def make_staff(app: Flask) -> list[int]:
    """The bench's coordinator first, then nine colleagues the cases are spread over."""
    ids = []
    with Session(get_engine(app)) as session, session.begin():
        for number in range(10):
            user = accounts.create_staff(
                session,
                login=f"bench{number}",
                display_name=f"職員{number}",
                roles={"coordinator"},
                password=PASSWORD,
                hasher=app.extensions["tsunagu.hasher"],
                actor=Actor(None, None),
                must_change_password=False,
            )
            user.totp_secret, user.totp_enrolled_at = totp.new_secret(), datetime.now(UTC)
            session.flush()
            ids.append(user.id)
    return ids


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
    name = f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}"
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
        "district": rng.choice(DISTRICTS),
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


def signed_in(app: Flask) -> FlaskClient:
    """The first staff member, signed in through the password and code pages."""
    client = app.test_client()
    with Session(get_engine(app)) as session:
        user = accounts.find_by_login(session, "bench0")
        secret = user.totp_secret if user is not None else None
    if secret is None:
        raise SystemExit("the bench account is missing")
    _post(client, "/login", {"login": "bench0", "password": PASSWORD})
    response = _post(client, "/login/code", {"code": totp.code_now(secret)})
    if response.status_code != 302:
        raise SystemExit("the bench could not sign in")
    return client


def _post(client: FlaskClient, url: str, data: dict[str, str]):
    html = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    return client.post(url, data={**data, "csrf_token": token[1] if token else ""})


def measure(client: FlaskClient) -> tuple[dict[str, list[float]], dict[str, int]]:
    timings: dict[str, list[float]] = {path: [] for path in PAGES}
    errors = dict.fromkeys(PAGES, 0)
    for _ in range(3):  # templates compiled, caches and connections warm
        for path in PAGES:
            client.get(path)
    for _ in range(REQUESTS):
        for path in PAGES:
            elapsed, status = _timed(client, path)
            timings[path].append(elapsed)
            errors[path] += status != 200
    return timings, errors


def _timed(client: FlaskClient, path: str) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get(path)
    response.get_data()
    return (time.perf_counter() - started) * 1000, response.status_code


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[max(0, round(fraction * len(ordered)) - 1)]


if __name__ == "__main__":
    main()
