"""The harness of the in-process page benches (`bench.referrals`, `bench.outreach`).

A bench runs once per database: SQLite always (a temporary file), PostgreSQL too when
``BENCH_DATABASE_URL`` names a server, where a temporary database is created and dropped. Each
run migrates a fresh app, stores the profile and makes ten coordinators; the pages are requested
through Flask's test client, signed in as the first coordinator through the real sign-in pages,
in rounds interleaved so that a noisy machine affects every page alike. Each page is reported
as a ratio against a bare signed-in page from the same run (/account/: the same gate, session
and template work, reading nothing of the area). Figures only; nothing is asserted.
"""

from __future__ import annotations

import os
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from backoffice import create_app
from backoffice.staff import accounts, totp
from backoffice.staff.actor import Actor
from bench.search import temporary_database
from core.config import load_settings
from core.db import get_engine
from core.migrate import upgrade_to_head
from core.profile import read_profile_file, store_profile

PASSWORD = "a long passphrase for the bench 7"  # noqa: S105  (a throwaway database)
BASELINE = "/account/"
# Synthetic people and places, the same in every bench.
DISTRICTS = ("峰山町", "大宮町", "網野町", "丹後町", "弥栄町", "久美浜町")
SURNAMES = ("丹後", "網野", "峰山", "吉田", "佐藤", "鈴木", "高橋", "田中", "中村", "小林")
GIVEN = ("花子", "太郎", "美咲", "健太", "由美", "大輔", "さくら", "翔", "陽子", "誠")


def on_each_database(prefix: str, filename: str, run: Callable[[str, str, Path], None]) -> None:
    """``run(label, url, directory)`` on SQLite, then on PostgreSQL when a server is named."""
    with tempfile.TemporaryDirectory(prefix=prefix) as directory:
        run("SQLite", f"sqlite:///{Path(directory) / filename}", Path(directory))
        server = os.environ.get("BENCH_DATABASE_URL")
        if server:
            with temporary_database(server) as url:
                run("PostgreSQL", url, Path(directory))
        else:
            print("(set BENCH_DATABASE_URL=postgresql+psycopg://... to measure PostgreSQL too)")


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
    """The bench's coordinator first, then nine colleagues the records are spread over."""
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


def signed_in(app: Flask) -> FlaskClient:
    """The first staff member, signed in through the password and code pages."""
    client = app.test_client()
    with Session(get_engine(app)) as session:
        user = accounts.find_by_login(session, "bench0")
        secret = user.totp_secret if user is not None else None
    if secret is None:
        raise SystemExit("the bench account is missing")
    post_form(client, "/login", {"login": "bench0", "password": PASSWORD})
    response = post_form(client, "/login/code", {"code": totp.code_now(secret)})
    if response.status_code != 302:
        raise SystemExit("the bench could not sign in")
    return client


def post_form(client: FlaskClient, url: str, data: dict[str, str]) -> TestResponse:
    """A form posted with the CSRF token of the page that shows it."""
    html = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    return client.post(url, data={**data, "csrf_token": token[1] if token else ""})


def measure(
    client: FlaskClient, paths: Iterable[str], requests: int
) -> tuple[dict[str, list[float]], dict[str, int]]:
    """Each path ``requests`` times, in interleaved rounds after three warm ones: the times in
    milliseconds and the answers other than 200, by path."""
    paths = list(paths)
    timings: dict[str, list[float]] = {path: [] for path in paths}
    errors = dict.fromkeys(paths, 0)
    for _ in range(3):  # templates compiled, caches and connections warm
        for path in paths:
            client.get(path)
    for _ in range(requests):
        for path in paths:
            elapsed, status = timed(client, path)
            timings[path].append(elapsed)
            errors[path] += status != 200
    return timings, errors


def timed(client: FlaskClient, path: str) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get(path)
    response.get_data()
    return (time.perf_counter() - started) * 1000, response.status_code


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[max(0, round(fraction * len(ordered)) - 1)]


def print_ratios(
    pages: dict[str, str],
    timings: dict[str, list[float]],
    errors: dict[str, int],
    *,
    width: int,
) -> None:
    """The table: each page's median and 95th percentile, and both against the baseline's."""
    base = timings[BASELINE]
    print(f"{'page':<{width}}{'median':>9}{'p95':>9}{'x median':>10}{'x p95':>9}{'errors':>8}")
    for path, name in pages.items():
        ordered = sorted(timings[path])
        median, p95 = statistics.median(ordered), percentile(ordered, 0.95)
        print(
            f"{name:<{width}}{median:>9.1f}{p95:>9.1f}{median / statistics.median(base):>10.2f}"
            f"{p95 / percentile(sorted(base), 0.95):>9.2f}{errors[path]:>8}"
        )
    print("(ratios against the bare signed-in page from the same run; compare ratios)\n")
