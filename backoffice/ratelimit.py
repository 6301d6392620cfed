"""Rate limits on sign-in (Flask-Limiter): per client address and per account.

Storage is in memory by default; set ``TSUNAGU_RATELIMIT_STORAGE_URI`` (e.g. ``redis://...``)
so that every worker process shares the counts.
"""

from __future__ import annotations

from flask import Flask, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from core.config import Settings

limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=False)

PER_ADDRESS = "20 per minute"


def init_ratelimit(app: Flask, settings: Settings) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = settings.ratelimit_storage_uri
    app.config["RATELIMIT_KEY_PREFIX"] = "tsunagu"
    limiter.init_app(app)


def submitted_login_key() -> str:
    """The account a sign-in is for, as typed (existing or not: both are limited alike)."""
    return "login:" + request.form.get("login", "").strip().casefold()[:64]


def signing_in_user_key() -> str:
    return f"user:{getattr(session, 'user_id', None)}"


def counts_as_failure(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 401


def per_account_limit() -> str:
    """As many tries as the lockout allows, so unknown and real logins lock alike."""
    from flask import current_app

    settings = current_app.config["TSUNAGU_SETTINGS"]
    return f"{settings.lockout_threshold} per {settings.lockout_minutes} minutes"
