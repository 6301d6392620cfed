"""The default-deny gate: every back-office request passes through here first.

An endpoint passes only if it is on the short allow-list (the sign-in steps and static files),
or if it declares a permission that the signed-in user's roles grant. Anyone not signed in is
sent to the sign-in page, whatever they asked for, so the back office does not reveal which
addresses exist. A user who must still choose a password can do only that. A refusal of a
signed-in user is audited (``backoffice/denials.py``).
"""

from __future__ import annotations

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from werkzeug.wrappers import Response

from backoffice.staff.models import StaffUser
from backoffice.staff.permissions import required_permission
from core.db import get_session

OPEN_ENDPOINTS = frozenset(
    {"auth.login", "auth.code", "auth.enrol", "auth.new_password", "auth.logout", "static"}
)
PASSWORD_CHANGE_ENDPOINTS = frozenset({"auth.new_password", "auth.logout", "static"})


def init_gate(app: Flask) -> None:
    app.before_request(load_staff_user)
    app.before_request(check_request)


def load_staff_user() -> None:
    """Put the signed-in user on ``g``, from a live session in its last stage only."""
    if getattr(session, "stage", None) != "active":
        return
    user = get_session().get(StaffUser, session.user_id)  # type: ignore[attr-defined]
    if user is None or not user.active:
        session.end()  # type: ignore[attr-defined]
        return
    g.staff_user = user


def check_request() -> Response | None:
    endpoint = request.endpoint
    user: StaffUser | None = g.get("staff_user")
    if endpoint in OPEN_ENDPOINTS:
        return None
    if user is None:
        return redirect(url_for("auth.login"))
    if user.must_change_password and endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        return redirect(url_for("auth.new_password"))
    if endpoint is None:
        return None  # signed in, unknown address: let routing answer 404 or 405
    permission = required_permission(current_app.view_functions.get(endpoint))
    if permission is None or permission not in user.permissions:
        g.refused_permission = permission or "none declared"  # for the audit (denials.py)
        abort(403)
    return None
