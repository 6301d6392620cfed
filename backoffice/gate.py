"""The default-deny gate: every back-office request passes through here first.

An endpoint passes only if it is on the short allow-list (sign-in and static files), or if it
declares a permission that the signed-in user's roles grant. Anyone not signed in is sent to the
sign-in page, whatever they asked for, so the back office does not reveal which addresses exist.
"""

from __future__ import annotations

from flask import Flask, abort, current_app, g, redirect, request, url_for
from werkzeug.wrappers import Response

from backoffice.permissions import permissions_for, required_permission

OPEN_ENDPOINTS = frozenset({"auth.login", "static"})


def init_gate(app: Flask) -> None:
    app.before_request(check_request)


def check_request() -> Response | None:
    endpoint = request.endpoint
    if endpoint in OPEN_ENDPOINTS:
        return None
    user = g.get("staff_user")
    if user is None:
        return redirect(url_for("auth.login"))
    if endpoint is None:
        return None  # signed in, unknown address: let routing answer 404 or 405
    permission = required_permission(current_app.view_functions.get(endpoint))
    if permission is None or permission not in permissions_for(user.roles):
        abort(403)
    return None
