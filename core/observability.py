"""What the operators see of requests: one JSON log line each, metrics, a request id, and the
health and readiness answers, for both apps, without recording who asked or what they asked.

`RequestObserver` is the app's outermost WSGI layer (outside the public site's front cache, so
a page answered there is counted and logged too). For each request it:

- gives it a request id, sent back in ``X-Request-Id``: made here (random), or, behind the
  trusted proxy (``TSUNAGU_TRUSTED_PROXY_COUNT`` > 0), the proxy's own if well formed, so the
  proxy's and the app's lines can be matched; a client's value is never believed without one;
- writes one line to the ``tsunagu.requests`` logger: the id, the app, the method, the endpoint
  and its route pattern (``/directory/services/<service_id>``), the status, the duration and
  where the page cache found the page. Never the client address, the path's values, the query
  string (a search's words), a header or anything from a form;
- counts it in the metrics (`core.metrics`) by endpoint, never by address.

It answers three addresses itself, before the app (no session, no cookie, no hook, never kept
by any cache): ``/healthz`` (the process is alive), ``/readyz`` (the database answers at the
code's schema: `core.readiness`) and ``/metrics`` (Prometheus's text format), the last only to
a request made straight from this machine (loopback, no ``X-Forwarded-For``: nothing that came
through the reverse proxy); anyone else gets the app's own answer to an unknown address. The
shipped nginx configuration passes ``/metrics`` on the back office's name only, to the office
network (deploy/nginx/tsunagu.conf).
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, g, request

from core import metrics
from core.config import Settings
from core.db import get_engine
from core.jsonlog import log_as_json
from core.readiness import not_ready_because

REQUEST_ID = "tsunagu.request_id"  # environ keys: the request's id,
ENDPOINT = "tsunagu.endpoint"  # the endpoint that answered (set by the app, or the front cache),
ROUTE = "tsunagu.route"  # its route pattern,
CACHE = "tsunagu.cache"  # and where the page cache found the page: front, shared or miss.
UNMATCHED = "(unmatched)"  # no route: one label for every unknown address
HEADER = "X-Request-Id"
REQUEST_LOG = "tsunagu.requests"
TRUSTED_ID = re.compile(r"[A-Za-z0-9-]{16,64}")  # nginx's $request_id is 32 hex digits
LOOPBACK = frozenset({"127.0.0.1", "::1"})
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
PLAIN = [
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
]
request_log = logging.getLogger(REQUEST_LOG)

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def init_observability(app: Flask, settings: Settings, name: str) -> None:
    """Call last in the factory, after every other WSGI layer (the front cache among them)."""
    engine = get_engine(app)
    metrics.watch_pool(engine, name)
    app.after_request(_note_endpoint)
    log_as_json(request_log)
    app.wsgi_app = RequestObserver(  # type: ignore[method-assign]
        name,
        app.wsgi_app,
        trust_request_id=settings.trusted_proxy_count > 0,
        readiness=lambda: not_ready_because(engine),
    )


def _note_endpoint(response: Response) -> Response:
    """After every response of the app (errors and early answers of hooks included): which
    endpoint answered, for the observer outside the app; the page cache's answer, if it had one.
    """
    environ = request.environ
    rule = request.url_rule
    environ[ENDPOINT] = request.endpoint or UNMATCHED
    environ[ROUTE] = rule.rule if rule is not None else None
    if g.get("page_cache_key") is not None:
        environ[CACHE] = "shared" if g.get("page_cache_hit") else "miss"
    return response


class RequestObserver:
    def __init__(
        self,
        name: str,
        inner: WSGIApp,
        *,
        trust_request_id: bool,
        readiness: Callable[[], str | None],
    ) -> None:
        self.name, self.inner = name, inner
        self.trust_request_id, self.readiness = trust_request_id, readiness
        self.own: dict[str, Callable[[dict[str, Any]], tuple[str, list, bytes] | None]] = {
            "/healthz": lambda _: ("200 OK", [], b"ok\n"),
            "/readyz": self._ready,
            "/metrics": self._metrics,
        }
        # Labelled children, looked up once: labels() takes a lock on every call.
        self._counted: dict[tuple[str, str, str], Any] = {}
        self._timed: dict[str, Any] = {}
        self._cached: dict[str, Any] = {}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        own = self.own.get(environ.get("PATH_INFO", ""))
        if own is not None and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            answer = own(environ)
            if answer is not None:
                status, headers, body = answer
                start_response(status, [*PLAIN, *headers])
                return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]
        started = time.perf_counter()
        request_id = self._request_id(environ)
        environ[REQUEST_ID] = request_id
        said: list[str] = []

        def identified(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            said.append(status)
            # A new list: the front cache keeps the app's own, which must not hold this id.
            return start_response(status, [*headers, (HEADER, request_id)], *exc_info)

        try:
            body = self.inner(environ, identified)
        except BaseException:
            self._record(environ, "500", time.perf_counter() - started, request_id)
            raise
        status = said[-1].partition(" ")[0] if said else "500"
        self._record(environ, status, time.perf_counter() - started, request_id)
        return body

    def _request_id(self, environ: dict[str, Any]) -> str:
        if self.trust_request_id:
            given = environ.get("HTTP_X_REQUEST_ID", "")
            if TRUSTED_ID.fullmatch(given):
                return given
        return secrets.token_hex(16)

    def _record(self, environ: dict[str, Any], status: str, seconds: float, rid: str) -> None:
        endpoint = environ.get(ENDPOINT, UNMATCHED)
        method = environ.get("REQUEST_METHOD", "")
        method = method if method in METHODS else "OTHER"
        cache = environ.get(CACHE)
        key = (endpoint, method, status)
        counted = self._counted.get(key)
        if counted is None:
            counted = self._counted[key] = metrics.REQUESTS.labels(self.name, *key)
        counted.inc()
        timed = self._timed.get(endpoint)
        if timed is None:
            timed = self._timed[endpoint] = metrics.LATENCY.labels(self.name, endpoint)
        timed.observe(seconds)
        if cache is not None:
            cached = self._cached.get(cache)
            if cached is None:
                cached = self._cached[cache] = metrics.PAGE_CACHE.labels(self.name, cache)
            cached.inc()
        if request_log.isEnabledFor(logging.INFO):
            fields = {
                "request_id": rid,
                "app": self.name,
                "method": method,
                "endpoint": endpoint,
                "route": environ.get(ROUTE),
                "status": int(status) if status.isdigit() else status,
                "duration_ms": round(seconds * 1000, 2),
            }
            if cache is not None:
                fields["cache"] = cache
            # The record made here: Logger.info would look up the caller's file and line, a
            # third of the line's cost on a page from the front cache, for nothing useful.
            record = request_log.makeRecord(REQUEST_LOG, logging.INFO, "", 0, "request", (), None)
            record.fields = fields
            request_log.handle(record)

    def _ready(self, _: dict[str, Any]) -> tuple[str, list, bytes]:
        reason = self.readiness()
        if reason is None:
            return "200 OK", [], b"ready\n"
        logging.getLogger(__name__).warning("not ready: %s", reason)
        return "503 Service Unavailable", [], f"not ready: {reason}\n".encode()

    def _metrics(self, environ: dict[str, Any]) -> tuple[str, list, bytes] | None:
        if environ.get("REMOTE_ADDR") not in LOOPBACK or "HTTP_X_FORWARDED_FOR" in environ:
            return None  # the app answers, as to any address it does not know
        body, content_type = metrics.exposition()
        return "200 OK", [("Content-Type", content_type)], body
