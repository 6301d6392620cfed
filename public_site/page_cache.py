"""A shared page cache for the public site, so that a spike of visitors does not slow help down.

A page is rendered once per minute, language, address and content version, then served from
the cache: each process keeps the pages it served in front of Flask (`public_site.front_cache`,
which answers a repeated page without running the app), and when ``TSUNAGU_CACHE_URL`` names a
Redis, pages are shared there too (Flask-Caching), so a page rendered by one worker or machine
is not rendered again by the others (each keeps its own copy after its first hit, so a hit
rarely waits for Redis). The key holds:

The key holds:

- the content version (`core.content_version`), which every change to public content bumps in
  the database, whichever process makes it: the back office retires every cached page at once.
  Each process reads it at most once a second, so an edit shows within a second (at once when
  made in the same process);
- the minute in Asia/Tokyo, so "open now" is right from the minute a service opens or closes,
  and an entry expires when its minute ends;
- the language, the scheme and host, the path and the query string, its parameters ordered by
  name (the values of one parameter keep their order) and encoded one way, without the
  parameters advertising and social sites add to links (`front_cache.cache_query`).

Only GET and HEAD of the pages listed in ``CACHED_BLUEPRINTS`` and ``CACHED_ENDPOINTS`` are
cached, and only a 200 or a 404 (a 404 from an address no view matches never is), without
``Set-Cookie`` and without ``Cache-Control: no-store`` or ``private``. The card scan landing
``/c/<code>`` is never cached: each scan must reach its view to be counted. A Redis hit is
returned from a ``before_request`` hook, so the response still passes through every
``after_request`` hook (Talisman's security headers, the API's open-data headers) exactly as a
rendered one; the front cache keeps the response as those hooks left it.

Entries are bytes (a JSON line of status and headers, then the body): nothing read back from
Redis is ever unpickled. When the cache or the database cannot be reached, pages are rendered
as if there were no cache.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from cachelib.serializers import BaseSerializer
from flask import Flask, current_app, g, request
from flask_caching import Cache
from werkzeug.wrappers import Response

from core.config import Settings
from public_site import front_cache
from public_site.localization import current_language
from public_site.now import request_minute, request_now
from public_site.render_cache import content_version, disable, render_cache

log = logging.getLogger(__name__)
EXTENSION = "tsunagu.page_cache"
KEY_PREFIX = "tsunagu:page:"
TOKYO = ZoneInfo("Asia/Tokyo")
CACHED_BLUEPRINTS = frozenset({"public", "directory", "api", "embed", "print_lists"})
CACHED_ENDPOINTS = frozenset({"cards.cards_page"})
NEVER_CACHED = frozenset({"cards.scan"})
CACHED_STATUSES = frozenset({200, 404})
MAX_BODY_BYTES = 2 * 1024 * 1024
PAUSE_SECONDS = 10.0  # after the cache's storage fails, pages are rendered for this long
LOCAL_ENTRIES = 1000  # pages each process keeps in front of Flask (about 30 KiB each)
# Rebuilt on every response by the hooks, or meaningless for a stored copy.
FRONT_ONLY = "front"  # g.page_cache_key when there is no Redis: kept by the front cache alone
UNSTORED_HEADERS = frozenset({"content-length", "date", "set-cookie"})


class BytesOnly(BaseSerializer):
    """Stores bytes as they are: no pickle, so the cache's storage cannot run code here."""

    def dumps(self, value: Any, *args: Any, **kwargs: Any) -> bytes:
        if not isinstance(value, bytes):
            raise TypeError("the page cache stores bytes only")
        return value

    def loads(self, value: Any) -> bytes | None:
        return value if isinstance(value, bytes) else None


@dataclass
class PageCache:
    """What may be kept, and the shared copy (Redis) behind this process's front cache."""

    shared: Cache | None = None
    paused_until: float = float("-inf")

    def serve(self) -> Response | None:
        """Before the view, when the front cache did not have the page: Redis's copy, if any
        (the view then does not run)."""
        if not _cacheable_request():
            return None
        if self.shared is None:  # kept in front of the app only: no address to hash
            if content_version() is not None:
                g.page_cache_key = FRONT_ONLY
            return None
        key = self._key()
        if key is None:
            return None
        g.page_cache_key = key
        entry = self._shared("get", key)
        if not isinstance(entry, bytes):
            return None
        g.page_cache_hit = True
        return _decode(entry)

    def store(self, response: Response) -> Response:
        """After the view, before the security headers: keep the page for the minute, here in
        front of the app (with the headers the later hooks add) and in Redis."""
        key = g.get("page_cache_key")
        if key is None or not _storable(response):
            return response
        request.environ[front_cache.KEEP] = (g.content_version, request_minute())
        if self.shared is not None and not g.get("page_cache_hit"):
            self._shared("set", key, _encode(response), timeout=_seconds_left())
        return response

    def _key(self) -> str | None:
        # Read once a second (`public_site.render_cache`), shared with the rendered pieces.
        version = content_version()
        if version is None:
            return None
        minute = request_minute()
        query = front_cache.cache_query(request.args.items(multi=True))
        address = f"{current_language()}\n{request.host_url}\n{request.path}\n{query}"
        return f"{version}:{minute}:{hashlib.sha256(address.encode()).hexdigest()}"

    def _shared(self, operation: str, *args: Any, **kwargs: Any) -> Any:
        if time.time() < self.paused_until:
            return None
        try:
            return getattr(self.shared, operation)(*args, **kwargs)
        except Exception:  # any storage error (Redis down, timeout): render, never fail
            log.exception("page cache: Redis failed; pages are rendered here for a while")
            self.paused_until = time.time() + PAUSE_SECONDS
            return None


def _seconds_left() -> int:
    """Until the minute ends in Tokyo, when the key's minute changes anyway."""
    return 60 - request_now().astimezone(TOKYO).second


def _cacheable_request() -> bool:
    endpoint = request.endpoint or ""
    if request.method not in ("GET", "HEAD") or not endpoint or endpoint in NEVER_CACHED:
        return False
    return endpoint in CACHED_ENDPOINTS or endpoint.partition(".")[0] in CACHED_BLUEPRINTS


def _storable(response: Response) -> bool:
    cache_control = response.cache_control
    return (
        response.status_code in CACHED_STATUSES
        and not response.is_streamed
        and not response.direct_passthrough
        and "Set-Cookie" not in response.headers
        and not cache_control.no_store
        and not cache_control.private
        and len(response.get_data()) <= MAX_BODY_BYTES
    )


def _encode(response: Response) -> bytes:
    headers = [[k, v] for k, v in response.headers.items() if k.lower() not in UNSTORED_HEADERS]
    head = json.dumps({"status": response.status_code, "headers": headers})
    return head.encode() + b"\n" + response.get_data()


def _decode(entry: bytes) -> Response:
    head, _, body = entry.partition(b"\n")
    meta = json.loads(head)
    headers = [tuple(pair) for pair in meta["headers"]]
    return current_app.response_class(body, status=meta["status"], headers=headers)


def init_page_cache(app: Flask, settings: Settings) -> None:
    """Install the cache; call after `init_security`, so a hit still gets Talisman's headers."""
    if settings.cache_url == "none":
        disable(app)  # nothing kept: every page rendered in full
        return
    common = {"CACHE_DEFAULT_TIMEOUT": 60, "CACHE_SERIALIZER": BytesOnly}
    shared = None
    if settings.cache_url != "simple":
        # Short timeouts: a slow Redis must not hold up help that could be rendered instead.
        options = {"socket_timeout": 0.25, "socket_connect_timeout": 0.25}
        shared = Cache(
            app,
            config=common
            | {
                "CACHE_TYPE": "RedisCache",
                "CACHE_REDIS_URL": settings.cache_url,
                "CACHE_KEY_PREFIX": KEY_PREFIX,
                "CACHE_OPTIONS": options,
            },
        )
    page_cache = PageCache(shared)
    app.extensions[EXTENSION] = page_cache
    app.before_request(page_cache.serve)
    app.after_request(page_cache.store)
    front_cache.install(app, render_cache(app).versions, LOCAL_ENTRIES)
