"""Rate limits on sign-in (Flask-Limiter): attempts per client address, in a moving window.

Attempts per login are not counted here but in the database (``lockout.py``), by one clock for
real and unknown logins alike: two clocks, one for each, let an attacker tell which logins
exist by when they lock. Storage is in memory by default; set ``TSUNAGU_RATELIMIT_STORAGE_URI``
(e.g. ``redis://...``) so that every worker process shares the counts.

When that storage cannot be reached, a limited request is refused (503, with a page that says
why) rather than let through uncounted: an attacker who can take Redis down must not thereby
get unlimited guesses.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits.errors import StorageError

from core.config import Settings

log = logging.getLogger(__name__)
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=False)

PER_ADDRESS = "20 per minute"


def init_ratelimit(app: Flask, settings: Settings) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = settings.ratelimit_storage_uri
    app.config["RATELIMIT_KEY_PREFIX"] = "tsunagu"
    # A moving window: no burst of twice the limit across the edge of a fixed one.
    app.config["RATELIMIT_STRATEGY"] = "moving-window"
    # Every storage failure arrives as one exception type, answered below; never swallowed.
    app.config["RATELIMIT_STORAGE_OPTIONS"] = {"wrap_exceptions": True}
    app.config["RATELIMIT_SWALLOW_ERRORS"] = False
    limiter.init_app(app)
    app.register_error_handler(StorageError, _storage_unreachable)


def _storage_unreachable(error: StorageError) -> tuple[str, int]:
    log.error("rate-limit storage unreachable, request refused: %s", error.storage_error)
    if "db_session" in g:
        g.db_session.rollback()
    g.profile = current_app.extensions["tsunagu.profile"]  # the page reads nothing more
    signing_in = (request.endpoint or "").startswith("auth.")
    return render_template("backoffice/limits_down.html", signing_in=signing_in), 503
