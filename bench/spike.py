"""A spike: 200 connections for a minute against the public pages, beside the bare route.

What a news story that sends people to the site looks like to the server: many visitors at
once, most of them on the same few pages, some searching words nobody searched this minute.
`wrk` opens ``BENCH_SPIKE_CONNECTIONS`` (200) connections and sends, for
``BENCH_SPIKE_SECONDS`` (60) each, first the bare route, then a mix of the public pages (home
in both languages, the directory, a service page, a search kept this minute, and every tenth
request a search whose address is new), each connection going round the mix. The figures are
the mix's throughput and p99 as ratios to the bare route's in the same run, and the errors
(connection errors, timeouts and answers other than 2xx or 3xx; goal: none).
Needs wrk; without it the spike is reported as not measured. Nothing is asserted.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from bench import wrk

CONNECTIONS = int(os.environ.get("BENCH_SPIKE_CONNECTIONS", "200"))
SECONDS = int(os.environ.get("BENCH_SPIKE_SECONDS", "60"))
# Each wrk thread goes round the mix; a tenth of the requests are a search never seen before.
MIX_SCRIPT = (
    wrk.THREAD_COUNTER
    + """
local step = 0
function request()
  step = step % #PATHS + 1
  local path = PATHS[step]
  if path == "NEW_SEARCH" then
    counter = counter + 1
    path = SEARCH .. "&bench=spike-" .. counter
  end
  return wrk.format(nil, path)
end
"""
)


def mix(service_id: str, search: str) -> list[str]:
    """Ten requests: what most visitors open, and one search no one made this minute."""
    service = f"/directory/services/{service_id}"
    return [
        "/", "/", "/en/", "/directory", service, service, search, search, "/", "NEW_SEARCH",
    ]  # fmt: skip


def run(port: int, bare_path: str, service_id: str, search: str) -> None:
    if SECONDS <= 0:
        print("\nSpike: not measured (BENCH_SPIKE_SECONDS=0)")
        return
    if not wrk.available():
        print("\nSpike: not measured (wrk is missing: sudo apt-get install wrk)")
        return
    bare = _wrk(port, bare_path, None)
    spike = _wrk(port, "/", _script(mix(service_id, search), search))
    print(f"\nSpike: {CONNECTIONS} connections for {SECONDS} s each, gunicorn 2 workers")
    print(f"{'':<24}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'x bare':>8}")
    for label, found in (("bare route", bare), ("public pages (mix)", spike)):
        ratio = found.rps / bare.rps if bare.rps else float("nan")
        print(
            f"{label:<24}{found.rps:>9.0f}{found.p50_ms:>9.1f}{found.p99_ms:>9.1f}"
            f"{found.errors:>8}{ratio:>8.2f}"
        )
    p99_ratio = spike.p99_ms / bare.p99_ms if bare.p99_ms else float("nan")
    print(f"p99 of the mix / p99 of the bare route: {p99_ratio:.2f}; errors (goal 0): ", end="")
    print(f"{spike.errors + bare.errors}")


def _script(paths: list[str], search: str) -> str:
    quoted = ", ".join(f'"{path}"' for path in paths)
    return f'local PATHS = {{{quoted}}}\nlocal SEARCH = "{search}"\n' + MIX_SCRIPT


def _wrk(port: int, path: str, script: str | None) -> wrk.WrkResult:
    command = [str(wrk.WRK), "--latency", "-t", "2", "-c", str(CONNECTIONS)]
    command += ["-d", f"{SECONDS}s", "--timeout", "10s"]
    with tempfile.TemporaryDirectory(prefix="tsunagu-spike-") as directory:
        if script is not None:
            file = Path(directory) / "mix.lua"
            file.write_text(script, encoding="utf-8")
            command += ["-s", str(file)]
        done = subprocess.run(
            [*command, f"http://127.0.0.1:{port}{path}"],
            capture_output=True, text=True, timeout=SECONDS + 60, check=True,
        )  # fmt: skip
    return wrk.parse(done.stdout)
