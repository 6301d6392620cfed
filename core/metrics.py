"""Prometheus metrics of both apps: requests and latencies per endpoint, the database pool, and
the public page cache (prometheus_client, the maintained reference client).

Labels hold only names the code chose: the app, the Flask endpoint (``directory.service``, never
the address with its values), the method, the status, the cache's answer. No address, query
string, search text or client address can become a label, so nothing here identifies anyone and
the number of series is bounded by the routes.

Under gunicorn the workers share their figures through prometheus_client's multiprocess mode:
``PROMETHEUS_MULTIPROC_DIR`` names a directory each worker writes its values into (the shipped
gunicorn configuration sets it per app and empties it when the server starts), and /metrics sums
the files of every worker, so a scrape answered by one worker reports the whole server. Without
it (development, tests) each process reports its own figures. The variable must be set before
prometheus_client is first imported, which is why the gunicorn configuration sets it.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Engine, event

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
# A page from the front cache takes well under a millisecond, a search tens of milliseconds.
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "tsunagu_requests",
    "Requests answered, by app, endpoint, method and status",
    ("app", "endpoint", "method", "status"),
)
LATENCY = Histogram(
    "tsunagu_request_duration_seconds",
    "Time from the request reaching the app to its response, by app and endpoint",
    ("app", "endpoint"),
    buckets=BUCKETS,
)
PAGE_CACHE = Counter(
    "tsunagu_page_cache_lookups",
    "Public pages the page cache could keep, by where they came from: front (kept in this "
    "process, answered before Flask), shared (Redis), miss (rendered)",
    ("app", "result"),
)
# livesum: the figure of every live worker added up, a dead worker's dropped.
POOL_IN_USE = Gauge(
    "tsunagu_db_pool_in_use",
    "Database connections checked out of the pool now",
    ("app",),
    multiprocess_mode="livesum",
)
POOL_OPEN = Gauge(
    "tsunagu_db_pool_open",
    "Database connections open now (in use or idle in the pool)",
    ("app",),
    multiprocess_mode="livesum",
)
POOL_LIMIT = Gauge(
    "tsunagu_db_pool_limit",
    "Connections the pools may open at most (pool size and overflow, summed over workers)",
    ("app",),
    multiprocess_mode="livesum",
)


def watch_pool(engine: Engine, app: str) -> None:
    """Count the engine's connections through the pool's events (no work on a request that
    does not touch the database, such as a page from the front cache)."""
    in_use, opened = POOL_IN_USE.labels(app), POOL_OPEN.labels(app)

    def checked_out(*_: Any) -> None:
        in_use.inc()

    def checked_in(*_: Any) -> None:
        in_use.dec()

    def connected(*_: Any) -> None:
        opened.inc()

    def closed(*_: Any) -> None:
        opened.dec()

    event.listen(engine, "checkout", checked_out)
    event.listen(engine, "checkin", checked_in)
    event.listen(engine, "connect", connected)
    event.listen(engine, "close", closed)
    size, overflow = getattr(engine.pool, "size", None), getattr(engine.pool, "_max_overflow", 0)
    if callable(size):
        POOL_LIMIT.labels(app).inc(size() + max(overflow, 0))


def exposition() -> tuple[bytes, str]:
    """The text format of every metric: summed over the workers in multiprocess mode."""
    directory = os.environ.get(MULTIPROCESS_ENV)
    if not directory:
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    return generate_latest(registry), CONTENT_TYPE_LATEST


def forget_worker(pid: int) -> None:
    """For gunicorn's ``child_exit``: drop a dead worker's live gauges."""
    if os.environ.get(MULTIPROCESS_ENV):
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
