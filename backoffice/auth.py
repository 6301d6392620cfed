"""Sign-in. Staff accounts, two-factor codes and server-side sessions build on this page."""

from __future__ import annotations

from flask import Blueprint, render_template

from backoffice.forms import LoginForm

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> tuple[str, int] | str:
    form = LoginForm()
    if form.validate_on_submit():
        # No account can sign in until staff accounts exist; the answer never says whether a
        # login exists, only that these details did not work.
        return render_template("backoffice/login.html", form=form, failed=True), 401
    return render_template("backoffice/login.html", form=form, failed=False)
