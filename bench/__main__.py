"""`make bench`: public pages under gunicorn (2 workers) next to a bare route on the same server.

Rows: the home page, the directory, a service page and a search, served warm from the page
cache, and a search whose query string changes on every request, so it is always rendered (and
stored). Its words stay the same, so within a minute the search's result and the parts of the
page that do not depend on its address (the filters, the block, the result summaries, the help
strip and the footer) come from what each process keeps (`public_site.fragments`): the row
measures the rendering of a page the page cache has not seen. A search whose words nobody else
typed this minute also runs the query and puts its result summaries together, which this row
does not measure. The load comes from `wrk` with 32 connections (the Makefile installs it where
it can), else from the Python client with 4 threads.
``BENCH_CACHE_URL`` picks the server's page cache (default ``simple``; e.g.
``redis://127.0.0.1:6379/13``). Only 127.0.0.1 is loaded, each run bounded in time.

Machines here are shared and noisy, so the figure that matters is the ratio between a page and
the bare route, measured in the same run with the rounds interleaved. Then a spike
(`bench.spike`: 200 connections for a minute on a mix of the pages, beside the bare route).
Nothing here is asserted.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from bench import spike, wrk
from bench.app import BARE_PATH
from bench.http_load import run_load
from core.config import PROJECT_ROOT, load_settings
from core.db import make_engine
from core.migrate import upgrade_to_head
from core.profile import read_profile_file, store_profile
from directory.demo import load_demo_directory
from directory.models import Service

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "4"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))  # the Python client's threads (no wrk)
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))  # wrk's
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "simple")  # TSUNAGU_CACHE_URL of the server
CACHED_GOAL, UNCACHED_GOAL, P99_GOAL_MS = 0.8, 0.3, 50.0


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="tsunagu-bench-") as directory:
        environ, service_id = prepare_database(Path(directory))
        port = free_port()
        server = start_gunicorn(environ, port, Path(directory) / "gunicorn.log")
        try:
            wait_until_ready(port)
            table = rows(service_id)
            report(table, measure(port, table))
            spike.run(port, BARE_PATH, service_id, SEARCH)
        finally:
            server.terminate()
            server.wait(timeout=20)


def prepare_database(directory: Path) -> tuple[dict[str, str], str]:
    """A demo directory in a new SQLite file; the environment and a published service's id."""
    environ = {
        **os.environ,
        "TSUNAGU_ENV": "development",
        "TSUNAGU_CACHE_URL": CACHE_URL,
        "TSUNAGU_INSTANCE_PATH": str(directory / "instance"),
        "TSUNAGU_DATABASE_URL": f"sqlite:///{directory / 'bench.sqlite3'}",
    }
    settings = load_settings(environ)
    engine = make_engine(settings.database_url)
    upgrade_to_head(engine)
    with Session(engine) as session, session.begin():
        store_profile(session, read_profile_file(settings.profile_path))
        load_demo_directory(session)
        service_id = session.scalars(
            select(Service.id).where(Service.status == "published").order_by(Service.name)
        ).first()
    engine.dispose()
    if service_id is None:
        raise SystemExit("the demo directory has no published service")
    return environ, service_id


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(environ: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    """The server, its log lines (one JSON line a request) written to ``log`` as a deployed
    server writes them to its journal, not to this report."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "bench.app:application",
    ]
    with log.open("ab") as output:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=environ, stdout=output, stderr=subprocess.STDOUT
        )


def wait_until_ready(port: int) -> None:
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{BARE_PATH}", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


@dataclass(frozen=True)
class Row:
    label: str
    path: str
    goal: float | None = None  # the least throughput, as a ratio to the bare route
    vary: bool = False  # a new address on every request: never from the cache


@dataclass(frozen=True)
class Figures:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


SEARCH = "/directory?" + urlencode({"q": "こころ"})


def rows(service_id: str) -> list[Row]:
    return [
        Row("bare route", BARE_PATH),
        Row("home (cached)", "/", CACHED_GOAL),
        Row("directory (cached)", "/directory", CACHED_GOAL),
        Row("service (cached)", f"/directory/services/{service_id}", CACHED_GOAL),
        Row("search (cached)", SEARCH, CACHED_GOAL),
        Row("search (uncached)", SEARCH, UNCACHED_GOAL, vary=True),
    ]


def load(port: int, row: Row, seconds: float, run: str) -> Figures:
    vary = run if row.vary else ""
    if wrk.available():
        found = wrk.run_wrk(port, row.path, seconds, CONNECTIONS, vary=vary)
        return Figures(found.rps, found.p50_ms, found.p99_ms, found.errors)
    result = run_load("127.0.0.1", port, row.path, seconds, CLIENTS, vary=vary)
    return Figures(result.rps, result.median_ms, result.percentile(0.99), result.errors)


def measure(port: int, table: list[Row]) -> dict[str, list[Figures]]:
    results: dict[str, list[Figures]] = {row.label: [] for row in table}
    for row in table:  # both workers warm: templates compiled, pages cached, QR codes drawn
        run_load("127.0.0.1", port, row.path, 1.0, CLIENTS, vary="warm" if row.vary else "")
    for number in range(ROUNDS):
        for row in table:
            results[row.label].append(load(port, row, SECONDS, f"r{number}-{time.time_ns()}"))
    return results


def report(table: list[Row], results: dict[str, list[Figures]]) -> None:
    if wrk.available():
        client = f"wrk, {CONNECTIONS} connections"
    else:
        client = f"Python client, {CLIENTS} clients (install wrk for 32 connections)"
    print(f"\nPublic pages vs a bare Flask route, gunicorn 2 workers, {client},")
    print(f"page cache {CACHE_URL}, {ROUNDS} interleaved rounds of {SECONDS:.0f} s each")
    print("(median round shown; the uncached search changes its query string on every request)\n")
    header = f"{'route':<20}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
    print(header + f"{'x bare':>8}{'goal':>7}  met")
    summary = {label: sorted(r, key=lambda f: f.rps)[len(r) // 2] for label, r in results.items()}
    bare = summary[table[0].label]
    for row in table:
        page = summary[row.label]
        errors = sum(f.errors for f in results[row.label])
        ratio = page.rps / bare.rps if bare.rps else float("nan")
        line = f"{row.label:<20}{page.rps:>9.0f}{page.p50_ms:>9.1f}{page.p99_ms:>9.1f}{errors:>8}"
        if row.goal is None:
            print(line + f"{'1.00':>8}")
            continue
        met = ratio >= row.goal and page.p99_ms < P99_GOAL_MS and not errors
        print(line + f"{ratio:>8.2f}{row.goal:>6.1f}x  {'yes' if met else 'NO'}")
    print(f"\nGoals: cached pages {CACHED_GOAL}x the bare route, an uncached search", end=" ")
    print(f"{UNCACHED_GOAL}x, p99 under {P99_GOAL_MS:.0f} ms.")
    print("(ratios from one run on a shared machine; compare ratios, not absolute figures)")


if __name__ == "__main__":
    main()
