"""Statistics over 100,000 referrals, as ratios against a bare signed-in page in the same run.

Run with ``python -m bench.statistics``. SQLite always (a temporary file); PostgreSQL too when
``BENCH_DATABASE_URL`` names a server, where a temporary database is created and dropped.
The data is what ``tsunagu demo-cases`` makes (`backoffice.statistics.demo`, bulk inserts,
row-bound encryption): referrals over three fiscal years with their history, links and
follow-ups, outreach subjects with visits, card hand-outs and scans, trainings; the demo
directory is loaded first so that links point at services of several kinds.

The referral figures are summed from daily totals, also summed by month and fiscal year
(`backoffice.statistics.rollups`), which nothing has computed after the bulk load (it only marks
its days stale): the first request of the referrals page computes the fiscal year's days, as the
first request in production would (or `stats rebuild`). That first (cold) request is timed and
reported on its own, with the time `rollup_fill.rebuild` takes for every day; then, signed in as
an analyst through the real sign-in pages, the rounds are interleaved so that a noisy machine
affects every item alike (goals from the statistics issue: the page at most 5 times the
baseline, the XLSX export at most 20 times):
- the baseline, /account/ (the same gate, session and template work, no figures);
- the referrals statistics page for the last full fiscal year, and the outreach page;
- the XLSX export of that fiscal year's referral figures (/statistics/referrals.xlsx) and the
  annual report's XLSX (/statistics/report.xlsx, every area), through their pages; and the
  export in-process (every figure, then `exports.prepare` and `exports.xlsx_file`);
- every figure of the fiscal year in-process (`figures.all_tables`), to tell SQL from rendering;
- the referral figures straight from the case tables (`figures_referrals.reference_tables`, the
  reference the daily totals must equal; what every read cost before the daily totals).
Then the slowest SQL statements of one `all_tables` call, to say where the time goes.
A part not built yet is reported as such instead of measured.
Figures only; nothing is asserted.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from backoffice.staff import accounts, totp
from backoffice.staff.actor import Actor
from backoffice.statistics import demo
from bench.harness import PASSWORD, bench_app, make_staff, percentile
from bench.harness import post_form as _post
from bench.search import _analyze, temporary_database
from cards.designs import ensure_card_setup
from core.db import get_engine
from core.profile import read_profile_file
from core.timezone import tokyo_today
from directory.demo import load_demo_directory

SIZE = int(os.environ.get("BENCH_REFERRALS", "100000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "20"))
ANALYST = "bench-analyst"
BASELINE = "bare signed-in page"
GOALS = {"referrals page": 5, "outreach page": 5, "XLSX export": 20, "annual report XLSX": 20}


def main() -> None:
    print(f"\nStatistics over {SIZE:,} referrals, in-process, {REQUESTS} rounds (ms)\n")
    with tempfile.TemporaryDirectory(prefix="tsunagu-bench-statistics-") as directory:
        run("SQLite", f"sqlite:///{Path(directory) / 'statistics.sqlite3'}", Path(directory))
        server = os.environ.get("BENCH_DATABASE_URL")
        if server:
            with temporary_database(server) as url:
                run("PostgreSQL", url, Path(directory) / "postgresql")
        else:
            print("(set BENCH_DATABASE_URL=postgresql+psycopg://... to measure PostgreSQL too)")


def run(label: str, url: str, directory: Path) -> None:
    app = bench_app(url, directory)
    engine = get_engine(app)
    started = time.perf_counter()
    summary = fill(app)
    _analyze(engine)
    loading = time.perf_counter() - started
    year = fiscal_year()
    client = signed_in_analyst(app)
    base_first = timed(lambda: get(client, "/account/"))
    cold = timed(lambda: get(client, f"/statistics/referrals?kind=fiscal_year&year={year}"))
    items, missing = measured_items(app, client, year)
    timings = measure(items)
    print(f"{label}: {summary.line()}, generated in {loading:.0f} s")
    print(f"fiscal year {year} (April {year} to March {year + 1})")
    print(
        f"first (cold) referrals page, computing the year's daily totals: {cold:.0f} ms"
        f" ({cold / statistics.median(timings[BASELINE]):.0f}x the warm baseline;"
        f" the first baseline request took {base_first:.0f} ms)"
    )
    print(f"stats rebuild (every day since the first case): {rebuild_seconds(app):.1f} s")
    base = timings[BASELINE]
    print(f"{'item':<30}{'median':>9}{'p95':>9}{'x median':>10}{'x p95':>9}{'goal':>6}")
    for name, values in timings.items():
        ordered = sorted(values)
        median, p95 = statistics.median(ordered), percentile(ordered, 0.95)
        goal = f"{GOALS[name]}x" if name in GOALS else ""
        print(
            f"{name:<30}{median:>9.1f}{p95:>9.1f}{median / statistics.median(base):>10.2f}"
            f"{p95 / percentile(sorted(base), 0.95):>9.2f}{goal:>6}"
        )
    for line in missing:
        print(line)
    slowest_statements(app, year)
    print("(ratios against the bare signed-in page from the same run; compare ratios)\n")
    engine.dispose()


def fill(app: Flask) -> demo.DemoSummary:
    """The demo directory and cards, an analyst, ten coordinators and the synthetic cases."""
    settings = app.config["TSUNAGU_SETTINGS"]
    profile = read_profile_file(settings.profile_path)
    with Session(get_engine(app)) as session, session.begin():
        load_demo_directory(session)
        ensure_card_setup(session, profile)
        user = accounts.create_staff(
            session, login=ANALYST, display_name="分析担当", roles={"analyst"},
            password=PASSWORD, hasher=app.extensions["tsunagu.hasher"], actor=Actor(None, None),
            must_change_password=False,
        )  # fmt: skip
        user.totp_secret, user.totp_enrolled_at = totp.new_secret(), datetime.now().astimezone()
    staff_ids = make_staff(app)
    with Session(get_engine(app)) as session, session.begin():
        return demo.generate(
            session, SIZE, staff_ids=staff_ids, districts=profile.districts, seed=20261207
        )


def fiscal_year() -> int:
    """The last full fiscal year (April to March) before today's."""
    today = tokyo_today()
    return (today.year if today.month >= 4 else today.year - 1) - 1


def signed_in_analyst(app: Flask) -> FlaskClient:
    client = app.test_client()
    with Session(get_engine(app)) as session:
        user = accounts.find_by_login(session, ANALYST)
        secret = user.totp_secret if user is not None else None
    if secret is None:
        raise SystemExit("the bench analyst is missing")
    _post(client, "/login", {"login": ANALYST, "password": PASSWORD})
    response = _post(client, "/login/code", {"code": totp.code_now(secret)})
    if response.status_code != 302:
        raise SystemExit("the bench analyst could not sign in")
    return client


def measured_items(
    app: Flask, client: FlaskClient, year: int
) -> tuple[dict[str, Callable[[], int]], list[str]]:
    """What to time: name -> a call returning an HTTP status (200 for in-process work)."""
    endpoints = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    period = f"kind=fiscal_year&year={year}"
    items: dict[str, Callable[[], int]] = {BASELINE: lambda: get(client, "/account/")}
    missing = []
    if "statistics.area" in endpoints:
        items["referrals page"] = lambda: get(client, f"/statistics/referrals?{period}")
        items["outreach page"] = lambda: get(client, f"/statistics/outreach?{period}")
    else:
        missing.append("statistics page not built yet")
    exports = _module("backoffice.statistics.exports")
    served = {rule.rule for rule in app.url_map.iter_rules()}
    downloads = {"XLSX export": "/statistics/referrals.xlsx",
                 "annual report XLSX": "/statistics/report.xlsx"}  # fmt: skip
    for name, path in downloads.items():
        if path in served:
            items[name] = partial(get, client, f"{path}?{period}")
        else:
            missing.append(f"{name}: its page is not built yet")
    if exports is not None and hasattr(exports, "xlsx_file"):
        items["all figures XLSX, in-process"] = lambda: xlsx_in_process(app, year)
    else:
        missing.append("XLSX export not built yet")
    figures = _module("backoffice.statistics.figures")
    if figures is not None and hasattr(figures, "all_tables"):
        items["all figures, in-process"] = lambda: all_tables(app, year)
        items["referral figures, reference SQL"] = lambda: reference_in_process(app, year)
    else:
        missing.append("statistics figures not built yet")
    return items, missing


def _module(name: str) -> Any:
    try:
        return __import__(name, fromlist=["_"])
    except ImportError:
        return None


def get(client: FlaskClient, url: str) -> int:
    response = client.get(url)
    response.get_data()
    return response.status_code


def _tables(session: Session, app: Flask, year: int) -> tuple[Any, list[Any]]:
    from backoffice.statistics.figures import all_tables as every_table
    from backoffice.statistics.periods import Period

    settings = app.config["TSUNAGU_SETTINGS"]
    districts = read_profile_file(settings.profile_path).districts
    period = Period.fiscal_year(year)
    return period, every_table(session, period, districts=districts)


def all_tables(app: Flask, year: int) -> int:
    with Session(get_engine(app)) as session:
        _tables(session, app, year)
    return 200


def xlsx_in_process(app: Flask, year: int) -> int:
    from backoffice.statistics import exports

    with Session(get_engine(app)) as session:
        period, tables = _tables(session, app, year)
    export = exports.prepare(tables, period, publication=False, threshold=5)
    return 200 if exports.xlsx_file(export).content else 500


def timed(call: Callable[[], int]) -> float:
    started = time.perf_counter()
    if call() != 200:
        raise SystemExit("a cold request failed")
    return (time.perf_counter() - started) * 1000


def rebuild_seconds(app: Flask) -> float:
    from backoffice.statistics import rollup_fill

    started = time.perf_counter()
    with Session(get_engine(app)) as session, session.begin():
        rollup_fill.rebuild(session)
    return time.perf_counter() - started


def reference_in_process(app: Flask, year: int) -> int:
    from backoffice.statistics.figures_referrals import reference_tables
    from backoffice.statistics.periods import Period

    districts = read_profile_file(app.config["TSUNAGU_SETTINGS"].profile_path).districts
    with Session(get_engine(app)) as session:
        reference_tables(session, Period.fiscal_year(year), districts)
    return 200


def measure(items: dict[str, Callable[[], int]]) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {name: [] for name in items}
    for _ in range(2):  # templates compiled, caches and connections warm
        for call in items.values():
            call()
    for _ in range(REQUESTS):
        for name, call in items.items():
            started = time.perf_counter()
            status = call()
            timings[name].append((time.perf_counter() - started) * 1000)
            if status != 200:
                raise SystemExit(f"{name}: HTTP {status}")
    return timings


def slowest_statements(app: Flask, year: int, shown: int = 6) -> None:
    """The slowest SQL statements of one `all_tables` call (first words of each)."""
    if _module("backoffice.statistics.figures") is None:
        return
    engine = get_engine(app)
    spent: list[tuple[float, str]] = []

    def before(_conn, _cursor, _statement, _parameters, context, _many) -> None:
        context._bench_started = time.perf_counter()

    def after(_conn, _cursor, statement, _parameters, context, _many) -> None:
        spent.append(((time.perf_counter() - context._bench_started) * 1000, statement))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        all_tables(app, year)
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    total = sum(ms for ms, _ in spent)
    print(f"all figures: {len(spent)} statements, {total:.0f} ms of SQL; the slowest:")
    for ms, statement in sorted(spent, reverse=True)[:shown]:
        print(f"  {ms:8.1f} ms  {' '.join(statement.split())[:110]}")


if __name__ == "__main__":
    random.seed(0)
    main()
