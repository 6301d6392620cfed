"""The stored readings (`core.readings_store`) as this process holds them: loaded once per
content version, so an edit in the back office brings its readings with the pages it changes.

Easy pages pass them to `core.furigana.ruby`; the public site never computes a reading (it never
imports pykakasi). When the content version cannot be read (the database is down), pages get the
readings of the reviewed catalogue and the override list only.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from flask import current_app, g, has_request_context
from sqlalchemy.exc import SQLAlchemyError

from core.db import get_engine
from core.readings_store import NO_READINGS, StoredReadings, load_readings
from public_site.render_cache import render_cache

EXTENSION = "tsunagu.stored_readings"


@dataclass
class Held:
    version: int | None = None
    readings: StoredReadings = NO_READINGS
    lock: threading.Lock = field(default_factory=threading.Lock)


def stored_readings() -> StoredReadings:
    """The readings of the current content version (read once per version per process)."""
    held = current_app.extensions.get(EXTENSION)
    if held is None:
        held = current_app.extensions.setdefault(EXTENSION, Held())
    version = render_cache().versions.current()
    if version is None:
        return NO_READINGS
    if held.version == version:
        return held.readings
    with held.lock:  # one thread loads; the others wait for its result
        if held.version != version:
            try:
                held.readings = _load()
            except SQLAlchemyError:
                return NO_READINGS
            held.version = version
    return held.readings


def _load() -> StoredReadings:
    if has_request_context() and "db_session" in g:
        return load_readings(g.db_session.connection())
    with get_engine().connect() as connection:
        return load_readings(connection)
