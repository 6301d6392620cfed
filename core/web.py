"""Web helpers both apps share: templates, versioned static URLs, error pages."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from flask import Flask, current_app, g, render_template, url_for
from jinja2 import ChoiceLoader, PackageLoader
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from core.config import packaged
from core.db import get_session
from core.phrases import phrases
from core.profile import Profile, get_profile

STATIC_FOLDER = packaged("static")  # both apps serve it at /static
STATIC_MAX_AGE = 365 * 24 * 3600  # URLs carry a content hash, so caching long is safe
log = logging.getLogger(__name__)


def init_templates(app: Flask, file_profile: Profile) -> None:
    """Let the app's own templates override the kernel's shared ones; expose common globals."""
    app.jinja_loader = ChoiceLoader(  # type: ignore[assignment]
        [app.jinja_loader, PackageLoader("core", "templates")]  # type: ignore[list-item]
    )
    app.extensions["tsunagu.profile"] = file_profile
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = STATIC_MAX_AGE
    app.jinja_env.globals["static_url"] = static_url
    app.jinja_env.filters["phrases"] = phrases
    app.context_processor(lambda: {"profile": current_profile()})


def static_url(filename: str) -> str:
    """URL of a file under /static with a content hash, so browsers may cache it for a year."""
    cache: dict[str, str] = current_app.extensions.setdefault("tsunagu.static_hashes", {})
    if filename not in cache:
        path = (STATIC_FOLDER / filename).resolve()
        if STATIC_FOLDER not in path.parents:
            raise ValueError(f"not a static file: {filename}")
        cache[filename] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return url_for("static", filename=filename, v=cache[filename])


def current_profile() -> Profile:
    """The stored municipality profile; the file copy if the database cannot be read."""
    if "profile" not in g:
        fallback: Profile = current_app.extensions["tsunagu.profile"]
        try:
            g.profile = get_profile(get_session(), fallback)
        except SQLAlchemyError:
            log.exception("could not read the municipality profile; using the file copy")
            get_session().rollback()
            g.profile = fallback
    return g.profile


def init_error_pages(app: Flask, template: str, extra: Callable[[], dict] | None = None) -> None:
    """Error pages that still show where to get help, rendered without touching the database."""

    def render_error(error: HTTPException):
        g.profile = app.extensions["tsunagu.profile"]
        g.error_page = True  # what a page adds (the public site's lines now) reads no database
        context = extra() if extra else {}
        code = error.code or 500
        return render_template(template, error=error, code=code, **context), code

    def handle_http(error: HTTPException):
        return render_error(error)

    def handle_unexpected(error: Exception):
        if "db_session" in g:
            g.db_session.rollback()
        log.exception("unhandled error", exc_info=error)
        return render_error(InternalServerError())

    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)
