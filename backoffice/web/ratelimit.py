"""Rate limits on sign-in (Flask-Limiter): attempts per client address, in a moving window.

Attempts per login are not counted here but in the database (``lockout.py``), by one clock for
real and unknown logins alike: two clocks, one for each, let an attacker tell which logins
exist by when they lock. Storage is in memory by default; set ``TSUNAGU_RATELIMIT_STORAGE_URI``
(e.g. ``redis://...``) so that every worker process shares the counts.
"""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from core.config import Settings

limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=False)

PER_ADDRESS = "20 per minute"


def init_ratelimit(app: Flask, settings: Settings) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = settings.ratelimit_storage_uri
    app.config["RATELIMIT_KEY_PREFIX"] = "tsunagu"
    # A moving window: no burst of twice the limit across the edge of a fixed one.
    app.config["RATELIMIT_STRATEGY"] = "moving-window"
    limiter.init_app(app)
