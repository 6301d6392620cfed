"""This process's pages, answered in front of Flask: a page another visitor had this minute is
sent back without a request context, routing or any hook, as a reverse proxy's micro-cache
would (the `public_site.page_cache` decides what may be kept; this only keeps it).

It sits outermost in the WSGI stack and keeps, for each page the page cache stored or served,
the response exactly as it left the app: status and every header the hooks added (Talisman's
security headers, the API's open-data headers), and the body. A page is answered here only when
everything that makes its key is known without the app:

- the content version this process last read, if it is less than a second old and no commit of
  this process changed public content since (`render_cache.VersionReader`); when not, the
  version is read again here (once a second per process), in an app context;
- the minute in Tokyo, from the app's clock (a test's clock included);
- the request as it came: method (GET or HEAD), scheme, host, the forwarded headers a proxy may
  set, the script name, the path and the query string (decoded, its parameters ordered by
  name, the parameters advertising and social sites add to links left out: `cache_query`). A
  request is keyed by what it says, before any proxy header is believed, so two requests share
  a page only if they said the same.

Anything else goes on to the app, which renders the page or takes it from Redis; a response the
page cache marks as kept is kept here on the way out (from a GET: a HEAD has no body to keep).
What the hooks refuse (a NUL in the address, http in production) never reaches the store, so it
is never answered here; an unknown host is refused by the proxy in front (deploy/nginx), and a
page for it would be kept under that host only. The pages are kept in memory as bytes, within a
budget of pages and of bytes (`PageShelf`), the least recently used dropped first; each lasts
until its minute ends.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import Flask

from core.observability import CACHE, ENDPOINT, ROUTE
from public_site.now import CLOCK, minute_of
from public_site.render_cache import VersionReader

KEEP = "tsunagu.front_cache.keep"  # environ: set by the page cache to (version, minute)
# What a request says that its page may depend on (the path's language among them).
ADDRESS_KEYS = (
    "wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME", "PATH_INFO",
    "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
)  # fmt: skip
# Parameters that advertising and social sites add to the links they show (fbclid, utm_source…).
# No page reads them or passes them on (public_site.localization, directory_views), so a page is
# kept once for all their values, not once for every visitor a shared post sends here.
TRACKING = re.compile(
    r"utm_\w+|fbclid|gclid|gbraid|wbraid|dclid|msclkid|yclid|igshid|twclid|ttclid|mc_[ce]id|_g[al]",
    re.ASCII,
)
UNKEPT_HEADERS = frozenset({"date", "set-cookie"})  # the server adds Date; cookies never kept
MAX_BYTES = 64 * 1024 * 1024  # per process: about two thousand pages of the site
# Status, headers, body, and the endpoint and route that rendered it (for the request log).
Page = tuple[str, list[tuple[str, str]], bytes, str | None, str | None]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class PageShelf:
    """The kept pages: at most ``max_pages`` of them and ``max_bytes`` of bodies and headers, the
    least recently used dropped first. A page over an eighth of the budget is not kept (a full
    HSDS listing can be megabytes: it is rendered again, or comes from Redis). Once a page of a
    later minute is kept, the pages of earlier minutes go: no request can find them again.
    Bounded in bytes, not only in pages: any made-up query parameter is a page of its own."""

    def __init__(self, max_pages: int, max_bytes: int) -> None:
        self.max_pages, self.max_bytes = max_pages, max_bytes
        self.bytes, self.minute = 0, ""
        self._pages: OrderedDict[tuple[Any, ...], tuple[Page, int]] = OrderedDict()
        self._lock = threading.Lock()  # a threaded server's requests share the shelf

    def get(self, key: tuple[Any, ...]) -> Page | None:
        with self._lock:
            found = self._pages.get(key)
            if found is None:
                return None
            self._pages.move_to_end(key)
            return found[0]

    def set(self, key: tuple[Any, ...], page: Page) -> None:
        size = len(page[2]) + sum(len(k) + len(v) for k, v in page[1])
        if size > self.max_bytes // 8:
            return
        with self._lock:
            minute = key[1]
            if minute > self.minute:
                self._drop(lambda old: old[1] < minute)
                self.minute = minute
            replaced = self._pages.pop(key, None)  # by key: a scan here cost a miss 0.6 ms
            if replaced is not None:
                self.bytes -= replaced[1]
            self._pages[key] = (page, size)
            self.bytes += size
            while len(self._pages) > self.max_pages or self.bytes > self.max_bytes:
                _, (_, dropped) = self._pages.popitem(last=False)
                self.bytes -= dropped

    def __len__(self) -> int:
        return len(self._pages)

    def _drop(self, which: Callable[[tuple[Any, ...]], bool]) -> None:
        for old in [key for key in self._pages if which(key)]:
            self.bytes -= self._pages.pop(old)[1]


class FrontCache:
    def __init__(
        self, app: Flask, inner: WSGIApp, versions: VersionReader, size: int, max_bytes: int
    ) -> None:
        self.app, self.inner, self.versions = app, inner, versions
        self.pages = PageShelf(size, max_bytes)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "HEAD"):
            return self.inner(environ, start_response)
        address = _address(environ)
        page = self._find(address)
        if page is not None:
            status, headers, body, environ[ENDPOINT], environ[ROUTE] = page
            environ[CACHE] = "front"  # counted and logged by core.observability, outside
            start_response(status, list(headers))
            return [] if method == "HEAD" else [body]
        if method == "HEAD":
            return self.inner(environ, start_response)
        return self._keep_on_the_way_out(environ, start_response, address)

    def _find(self, address: tuple[Any, ...]) -> Page | None:
        version = self.versions.fresh()
        if version is None:
            with self.app.app_context():
                version = self.versions.current()
            if version is None:
                return None
        found: Page | None = self.pages.get((version, minute_of(self._now()), address))
        return found

    def _now(self) -> datetime:
        hook = self.app.config.get(CLOCK)
        return hook() if hook is not None else datetime.now(UTC)

    def _keep_on_the_way_out(
        self, environ: dict[str, Any], start_response: StartResponse, address: tuple[Any, ...]
    ) -> Iterable[bytes]:
        said: dict[str, Any] = {}

        def noting(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            said["status"], said["headers"] = status, headers
            return start_response(status, headers, *exc_info)

        body = self.inner(environ, noting)
        keep = environ.get(KEEP)
        if keep is None or "status" not in said:
            return body
        try:
            content = b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        headers = [(k, v) for k, v in said["headers"] if k.lower() not in UNKEPT_HEADERS]
        version, minute = keep
        page = (said["status"], headers, content, environ.get(ENDPOINT), environ.get(ROUTE))
        self.pages.set((version, minute, address), page)
        return [content]


def _address(environ: dict[str, Any]) -> tuple[Any, ...]:
    """What the request said, its query decoded as the app decodes it and its parameters
    ordered by name (a stable sort: the values of one parameter keep their order), as the page
    cache orders them: ``?b=1&a=%61`` and ``?a=a&b=1`` are one page."""
    query = environ.get("QUERY_STRING") or ""
    if query:
        query = cache_query(parse_qsl(query, keep_blank_values=True, errors="replace"))
    return (*(environ.get(name) for name in ADDRESS_KEYS), query)


def cache_query(pairs: Iterable[tuple[str, str]]) -> str:
    """A query as both caches key it: its parameters ordered by name (a stable sort: the values
    of one parameter keep their order), encoded one way, tracking parameters left out."""
    kept = [pair for pair in pairs if not TRACKING.fullmatch(pair[0])]
    return urlencode(sorted(kept, key=lambda pair: pair[0]))


def install(
    app: Flask, versions: VersionReader, size: int, max_bytes: int = MAX_BYTES
) -> FrontCache:
    """Put the front cache outermost (after any proxy middleware the security setup added)."""
    front = FrontCache(app, app.wsgi_app, versions, size, max_bytes)
    app.wsgi_app = front  # type: ignore[method-assign]
    return front
