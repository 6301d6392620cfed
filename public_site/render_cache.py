"""Pieces of public pages kept in each process, for the pages the page cache cannot serve.

A search nobody else made this minute misses the page cache (`public_site.page_cache`): when a
news story sends many people here, each typing their own words, every page is rendered. Most
of such a page is the same for everyone in the same minute: each result's summary, the
「いますぐ話したい」 block's lines, the topics and languages of the filters, the profile. So
those are kept here, each under a key holding

- the content version (`core.content_version`), read at most once a second as the page cache
  reads it (at once after a change made in this process), so an edit shows as fast as on a
  cached page;
- the minute in Asia/Tokyo of this request's clock (`public_site.now.request_now`), for what
  shows "open now": a service's state changes only at a minute, as its hours are in minutes.

Each kind of piece has its own bounded store (least recently used entries go first), so a
flood of different searches cannot grow a process's memory. When the content version cannot be
read (the database is down), nothing is kept or served from here: pages are rendered as before.
With ``TSUNAGU_CACHE_URL=none`` nothing is kept either: every page is rendered in full.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask, current_app, g, has_request_context
from sqlalchemy.exc import SQLAlchemyError

from core.content_version import local_changes, read_version
from core.db import get_engine

log = logging.getLogger(__name__)
EXTENSION = "tsunagu.render_cache"
VERSION_SECONDS = 1.0  # how long a process trusts the content version it last read
# Entries per store. A result summary rendered is about 1.5 KiB of HTML: 4,096 of them (every
# service of a large directory, in both languages) stay under 8 MiB. A search result holds a page
# of summaries (the objects `directory.search.summaries.summary_from_json` keeps) and a few
# numbers. The other stores hold a few small values a minute (the block's lines, the filters)
# or one flag per recent search text; "html", the parts of a page the same for many searches
# (`fragments.cached_fragment`), a few KiB each.
SIZES = {"summary": 4096, "search": 1024, "data": 256, "words": 2048, "html": 512}
MISSING = object()
T = TypeVar("T")


class LRU:
    """A dict of at most ``size`` entries that drops the least recently used one when full.

    Hand-written (a dozen lines) because the libraries at hand are slower where it matters:
    Flask-Caching's SimpleCache pickles every value and prunes by age, not use.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()  # threaded servers (flask run) share a process's stores

    def get(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            value = self._entries.get(key, MISSING)
            if value is MISSING:
                return default
            self._entries.move_to_end(key)
            return value

    def set(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


@dataclass
class VersionReader:
    """The content version as this process last read it; read again after a second."""

    version: int = 0
    read_at: float = float("-inf")
    changes_seen: int = -1

    def fresh(self) -> int | None:
        """The version if it was read less than a second ago and this process changed no public
        content since; None when it must be read again."""
        if not self.read_at <= time.time() < self.read_at + VERSION_SECONDS:
            return None
        return self.version if local_changes() == self.changes_seen else None

    def current(self) -> int | None:
        """The version, or None when the database cannot be read."""
        found = self.fresh()
        if found is not None:
            return found
        now, changes = time.time(), local_changes()
        try:
            self.version = _read_version()
        except SQLAlchemyError:
            log.warning("cannot read the content version; public pages are rendered in full")
            return None
        self.read_at, self.changes_seen = now, changes
        return self.version


def _read_version() -> int:
    """Through the request's own session when it has one: a second connection per request
    would let concurrent requests, each holding one, wait on the pool for the other."""
    if has_request_context() and "db_session" in g:
        return read_version(g.db_session.connection())
    with get_engine().connect() as connection:
        return read_version(connection)


@dataclass
class RenderCache:
    versions: VersionReader = field(default_factory=VersionReader)
    stores: dict[str, LRU] = field(
        default_factory=lambda: {kind: LRU(size) for kind, size in SIZES.items()}
    )
    enabled: bool = True


def render_cache(app: Flask | None = None) -> RenderCache:
    """The app's render cache (made on first use: a process's apps never share one)."""
    app = app or current_app
    found = app.extensions.get(EXTENSION)
    if found is None:
        found = app.extensions[EXTENSION] = RenderCache()
    return found


def content_version() -> int | None:
    """This request's content version (read once per request), or None if it cannot be read."""
    if "content_version" not in g:
        g.content_version = render_cache().versions.current()
    return g.content_version


def remember(
    kind: str,
    key: Hashable,
    compute: Callable[[], T],
    *,
    minute: str = "",
    valid: Callable[[T], bool] | None = None,
) -> T:
    """``compute()``, kept in the ``kind`` store under ``key``, the content version and
    ``minute`` (empty: the value does not change with the clock); computed afresh when the
    version cannot be read or caching is off, and, with ``valid``, when the kept value is not
    valid for this request (then the new one is kept instead)."""
    cache = render_cache()
    version = content_version() if cache.enabled else None
    if version is None:
        return compute()
    store, full_key = cache.stores[kind], (version, minute, key)
    value = store.get(full_key, MISSING)
    if value is MISSING or (valid is not None and not valid(value)):
        value = compute()
        store.set(full_key, value)
    return value


def disable(app: Flask) -> None:
    """Render every page in full (``TSUNAGU_CACHE_URL=none``)."""
    render_cache(app).enabled = False
