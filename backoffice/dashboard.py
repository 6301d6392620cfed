"""The staff dashboard: the first page after sign-in."""

from __future__ import annotations

from flask import Blueprint, render_template

from backoffice.permissions import requires

bp = Blueprint("dashboard", __name__)


@bp.route("/")
@requires("dashboard.view")
def index() -> str:
    return render_template("backoffice/dashboard.html")
