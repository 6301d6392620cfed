"""Public pages. Views only fetch and render; the queries live in the domain packages."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template
from sqlalchemy import text

from core.db import get_session
from directory.queries import home_channels, services_by_area
from public_site.localization import localized_route

bp = Blueprint("public", __name__)


@localized_route(bp, "/")
def home() -> str:
    return render_template("public/home.html", channels=home_channels(get_session()))


@localized_route(bp, "/directory")
def directory() -> str:
    return render_template("public/directory.html", areas=services_by_area(get_session()))


@localized_route(bp, "/privacy")
def privacy() -> str:
    return render_template("public/privacy.html")


@localized_route(bp, "/accessibility")
def accessibility() -> str:
    return render_template("public/accessibility.html")


@bp.route("/healthz")
def healthz() -> Response:
    """For the load balancer: answers 200 only when the database answers."""
    get_session().execute(text("SELECT 1"))
    return current_app.response_class("ok\n", mimetype="text/plain")
