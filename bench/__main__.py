"""`make bench`: public pages under gunicorn (2 workers) next to a bare route on the same server.

Machines here are shared and noisy, so the figure that matters is the ratio between the two,
measured in the same run with the rounds interleaved. Nothing here is asserted.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from sqlalchemy.orm import Session

from bench.app import BARE_PATH
from bench.http_load import LoadResult, run_load
from core.config import PROJECT_ROOT, load_settings
from core.db import make_engine
from core.migrate import upgrade_to_head
from core.profile import read_profile_file, store_profile
from directory.demo import load_demo_directory

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "4"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="tsunagu-bench-") as directory:
        environ = prepare_database(Path(directory))
        port = free_port()
        server = start_gunicorn(environ, port)
        try:
            wait_until_ready(port)
            report(measure(port))
        finally:
            server.terminate()
            server.wait(timeout=20)


def prepare_database(directory: Path) -> dict[str, str]:
    environ = {
        **os.environ,
        "TSUNAGU_ENV": "development",
        "TSUNAGU_INSTANCE_PATH": str(directory / "instance"),
        "TSUNAGU_DATABASE_URL": f"sqlite:///{directory / 'bench.sqlite3'}",
    }
    settings = load_settings(environ)
    engine = make_engine(settings.database_url)
    upgrade_to_head(engine)
    with Session(engine) as session, session.begin():
        store_profile(session, read_profile_file(settings.profile_path))
        load_demo_directory(session)
    engine.dispose()
    return environ


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(environ: dict[str, str], port: int) -> subprocess.Popen:
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
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=environ)


def wait_until_ready(port: int) -> None:
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{BARE_PATH}", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


PAGES = {BARE_PATH: "bare route", "/": "home page", "/directory": "directory page"}


def measure(port: int) -> dict[str, list[LoadResult]]:
    results: dict[str, list[LoadResult]] = {path: [] for path in PAGES}
    for path in results:  # warm both workers and caches
        run_load("127.0.0.1", port, path, 1.0, CLIENTS)
    for _ in range(ROUNDS):
        for path in results:
            results[path].append(run_load("127.0.0.1", port, path, SECONDS, CLIENTS))
    return results


def report(results: dict[str, list[LoadResult]]) -> None:
    print(f"\nPublic pages vs a bare Flask route, gunicorn 2 workers, {CLIENTS} clients,")
    print(f"{ROUNDS} interleaved rounds of {SECONDS:.0f} s each (median round shown)\n")
    print(f"{'route':<18}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    summary = {}
    for path, rounds in results.items():
        middle = sorted(rounds, key=lambda r: r.rps)[len(rounds) // 2]
        summary[path] = middle
        label = PAGES[path]
        errors = sum(r.errors for r in rounds)
        print(
            f"{label:<18}{middle.rps:>10.0f}{middle.median_ms:>10.1f}"
            f"{middle.percentile(0.99):>10.1f}{errors:>8}"
        )
    bare = summary[BARE_PATH]
    print()
    for path, page in summary.items():
        if path == BARE_PATH:
            continue
        print(f"{PAGES[path]} / bare: throughput {page.rps / bare.rps:.2f}x, ", end="")
        print(f"p99 latency {page.percentile(0.99) / bare.percentile(0.99):.2f}x")
    print("(ratios from one run on a shared machine; compare ratios, not absolute figures)")


if __name__ == "__main__":
    main()
