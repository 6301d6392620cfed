"""A small closed-loop HTTP load generator: N client threads, each one request at a time."""

from __future__ import annotations

import http.client
import itertools
import statistics
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class LoadResult:
    path: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: tuple[float, ...]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")


def run_load(
    host: str, port: int, path: str, seconds: float, clients: int, *, vary: str = ""
) -> LoadResult:
    """``vary``: each request adds ``&bench=<vary>-<n>`` (n counts this run's requests)."""
    latencies: list[float] = []
    numbers = itertools.count(1)
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        mine: list[float] = []
        failed = 0
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            try:
                connection = http.client.HTTPConnection(host, port, timeout=10)
                connection.request("GET", f"{path}&bench={vary}-{next(numbers)}" if vary else path)
                response = connection.getresponse()
                response.read()
                connection.close()
                if response.status != 200:
                    failed += 1
                    continue
            except OSError:
                failed += 1
                continue
            mine.append((time.perf_counter() - start) * 1000)
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return LoadResult(path, len(latencies), errors[0], elapsed, tuple(latencies))
