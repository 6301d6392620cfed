"""Security headers (Flask-Talisman), CSRF (Flask-WTF) and proxy handling, shared by both apps."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import TypeVar

from flask import Flask, Response, abort, current_app, request
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from core.config import Settings

# No 'unsafe-inline' anywhere: every script and style is a file under /static.
STRICT_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}

# Deny powerful features to every page; nothing here needs them.
PERMISSIONS_POLICY = {
    "accelerometer": "()",
    "browsing-topics": "()",
    "camera": "()",
    "display-capture": "()",
    "geolocation": "()",
    "gyroscope": "()",
    "magnetometer": "()",
    "microphone": "()",
    "payment": "()",
    "usb": "()",
}


def init_security(app: Flask, settings: Settings, *, csp: dict[str, str] | None = None) -> None:
    policy = dict(csp or STRICT_CSP)
    if settings.production:
        policy["upgrade-insecure-requests"] = ""
    # Before Talisman: hooks run in reverse, so this one sees the headers Talisman set.
    app.after_request(_framing)
    Talisman(
        app,
        force_https=settings.production,
        strict_transport_security=settings.production,
        strict_transport_security_preload=False,
        content_security_policy=policy,
        permissions_policy=PERMISSIONS_POLICY,
        feature_policy={},
        frame_options="DENY",
        referrer_policy="no-referrer",
        session_cookie_secure=settings.production,
        session_cookie_http_only=True,
        session_cookie_samesite="Strict",
    )
    app.after_request(_cross_origin_isolation)
    app.before_request(refuse_nul_characters)
    CSRFProtect(app)
    forget_client_addresses(logging.getLogger("werkzeug"))
    if settings.trusted_proxy_count:
        count = settings.trusted_proxy_count
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count
        )


View = TypeVar("View", bound=Callable[..., object])
FRAMED_BY = "tsunagu_framed_by"
# What a frame-ancestors source may be here: a scheme, a host and perhaps a port. Anything else
# (a space, a semicolon, a quote, a path) could add a source or a directive to the policy.
_ORIGIN = re.compile(r"https?://[a-z0-9.\-]+(:[0-9]{1,5})?|https?://\[[0-9a-f:]+\](:[0-9]{1,5})?")
_FRAME_ANCESTORS = re.compile(r"(^|;\s*)frame-ancestors [^;]*")


def framed_by(origins: Callable[[], Iterable[str]]) -> Callable[[View], View]:
    """Let a view's pages be framed by the origins ``origins()`` gives for each response, and
    by no other: every other page keeps ``frame-ancestors 'none'`` and ``X-Frame-Options:
    DENY``. Asked for each response, a page served from the page cache included, so a kept
    page carries the origins of when it is sent."""

    def decorate(view: View) -> View:
        setattr(view, FRAMED_BY, origins)
        return view

    return decorate


def _framing(response: Response) -> Response:
    view = current_app.view_functions.get(request.endpoint or "")
    origins_of = getattr(view, FRAMED_BY, None)
    if origins_of is None:
        return response
    origins = [o for o in origins_of() if _ORIGIN.fullmatch(o)]
    csp = response.headers.get("Content-Security-Policy")
    if csp is not None:
        sources = " ".join(origins) or "'none'"
        response.headers["Content-Security-Policy"] = _FRAME_ANCESTORS.sub(
            lambda match: f"{match.group(1)}frame-ancestors {sources}", csp
        )
    if origins:
        # It cannot name a list of origins; browsers that read CSP ignore it anyway.
        del response.headers["X-Frame-Options"]
    return response


def refuse_nul_characters() -> None:
    """Answer 400 to a NUL character anywhere in the address, query or form, before any view.

    No text a person types holds one, and PostgreSQL refuses it in a string: left in, it would
    end a sign-in, a search or an API call in an error page instead of a plain refusal.
    """
    values = [request.path, *request.args.keys(), *request.args.values()]
    if request.method == "POST" and request.mimetype in FORM_TYPES:
        values += [*request.form.keys(), *request.form.values()]
    if any("\x00" in value for value in values):
        abort(400)


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _cross_origin_isolation(response: Response) -> Response:
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
    return response


def no_store(response: Response) -> Response:
    """For the back office: nothing it serves may be kept by a browser or proxy cache."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


class _NoClientAddress(logging.Filter):
    """Drops the client address that the development server puts at the head of each line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _LEADING_ADDRESS.sub("- - - ", record.msg, count=1)
        return True


_LEADING_ADDRESS = re.compile(r"^\S+ - - (?=\[)")


def forget_client_addresses(logger: logging.Logger) -> None:
    """No request log line written by a Tsunagu process names who made the request.

    The privacy page promises it and card scans depend on it. Gunicorn, the production server,
    writes no access log unless told to.
    """
    if not any(isinstance(f, _NoClientAddress) for f in logger.filters):
        logger.addFilter(_NoClientAddress())
