"""Run `wrk` (an HTTP load generator in C) against 127.0.0.1 and read its figures.

wrk needs little CPU per request, so on a small machine it measures the server rather than
itself, which a Python client with 32 threads would not. Every run is bounded by its duration.
A row whose address must change on every request (a search no one has asked for this minute)
gets a Lua script that adds the run's token and a counter, unique per wrk thread, to the query
string.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

WRK = shutil.which("wrk")
# Each wrk thread numbers its requests apart from the other threads' (thread id in the counter).
THREAD_COUNTER = """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  counter = id * 100000000
end
"""
VARYING_SCRIPT = (
    THREAD_COUNTER
    + """
function request()
  counter = counter + 1
  return wrk.format(nil, wrk.path .. "&bench=" .. VARY .. "-" .. counter)
end
"""
)
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass(frozen=True)
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def available() -> bool:
    return WRK is not None


def run_wrk(port: int, path: str, seconds: float, connections: int, *, vary: str = "") -> WrkResult:
    """``vary`` (letters, digits, hyphens): each request adds ``&bench=<vary>-<n>``."""
    if WRK is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    url = f"http://127.0.0.1:{port}{path}"
    command = [WRK, "--latency", "-t", "2", "-c", str(connections)]
    command += ["-d", f"{max(1, round(seconds))}s", "--timeout", "5s"]
    with tempfile.TemporaryDirectory(prefix="tsunagu-wrk-") as directory:
        if vary:
            if not re.fullmatch(r"[A-Za-z0-9-]+", vary):
                raise ValueError(f"vary must be letters, digits and hyphens, not {vary!r}")
            script = Path(directory) / "varying.lua"
            script.write_text(f'local VARY = "{vary}"\n' + VARYING_SCRIPT, encoding="utf-8")
            command += ["-s", str(script)]
        done = subprocess.run(
            [*command, url], capture_output=True, text=True, timeout=seconds + 30, check=True
        )
    return parse(done.stdout)


def parse(output: str) -> WrkResult:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    if not (rps and p50 and p99):
        raise RuntimeError(f"could not read wrk's output:\n{output}")
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", output))
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket:
        errors += sum(int(n) for n in socket.groups())
    return WrkResult(
        rps=float(rps.group(1)),
        p50_ms=float(p50.group(1)) * _UNITS[p50.group(2)],
        p99_ms=float(p99.group(1)) * _UNITS[p99.group(2)],
        errors=errors,
    )
