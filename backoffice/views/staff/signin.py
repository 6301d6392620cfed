"""The sign-in pages, in three steps: password, second factor (or enrolment), and a first-time
password; the checks they call are in ``backoffice/staff/signin.py``.

Each step moves the server-side session to a new stage under a new id. These endpoints are on
the gate's allow-list and check the session's stage themselves. When the database is too busy
to count an attempt (every connection in use, or SQLite's write lock held too long), the answer
is 429 and a page asking to try again shortly, never a 500: the attempt may not be checked
uncounted.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    session,
    url_for,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.wrappers import Response

from backoffice.staff import notices, totp
from backoffice.staff.accounts import AccountError, audit_account
from backoffice.staff.credentials import change_password, confirm_enrolment, start_enrolment
from backoffice.staff.models import StaffNotice, StaffUser
from backoffice.staff.signin import (
    Outcome,
    Policy,
    authenticate_password,
    verify_second_factor,
)
from backoffice.views.staff.forms import CodeForm, EnrolForm, LoginForm, NewPasswordForm
from backoffice.web.context import current_actor
from backoffice.web.forms import EmptyForm
from backoffice.web.ratelimit import PER_ADDRESS, limiter
from backoffice.web.sessions import end_sessions
from core.db import get_session, utcnow

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)
WRONG_ENROLMENT_CODE = (
    "コードが正しくありません。アプリに表示された最新のコードを入力してください。"
)


def policy() -> Policy:
    """The hasher and the attempt clock, as this back office is configured."""
    return Policy.from_settings(
        current_app.config["TSUNAGU_SETTINGS"], current_app.extensions["tsunagu.hasher"]
    )


def _signing_in_user() -> StaffUser | None:
    """The user who has given the right password and now owes the second factor."""
    if getattr(session, "stage", None) != "password" or session.user_id is None:  # type: ignore[attr-defined]
        return None
    user = get_session().get(StaffUser, session.user_id)  # type: ignore[attr-defined]
    return user if user is not None and user.active else None


def answers_busy(view: Callable[..., Any]) -> Callable[..., Any]:
    """Too many sign-ins at once: ask to wait rather than fail (the attempt was not checked)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except (OperationalError, PoolTimeoutError) as error:
            if isinstance(error, OperationalError) and "locked" not in str(error.orig).casefold():
                raise
            log.warning("sign-in refused while the database is busy: %s", error)
            get_session().rollback()
            g.profile = current_app.extensions["tsunagu.profile"]  # the page reads nothing more
            return render_template("backoffice/busy.html"), 429

    return wrapper


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(PER_ADDRESS, methods=["POST"])
@answers_busy
def login() -> Response | tuple[str, int] | str:
    if g.get("staff_user") is not None:
        return redirect(url_for("dashboard.index"))
    if _signing_in_user() is not None:
        return redirect(url_for(".code"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("backoffice/login.html", form=form), 400 if form.errors else 200
    db = get_session()
    outcome, user = authenticate_password(
        db,
        form.login.data or "",
        form.password.data or "",
        policy=policy(),
        actor=current_actor(),
        now=utcnow(),
    )
    db.commit()
    if outcome is Outcome.LOCKED:
        abort(429)
    if outcome is not Outcome.OK or user is None:
        return render_template("backoffice/login.html", form=form, failed=True), 401
    session.begin("password", user.id)  # type: ignore[attr-defined]
    return redirect(url_for(".code" if user.has_second_factor else ".enrol"))


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(PER_ADDRESS, methods=["POST"])
@answers_busy
def code() -> Response | tuple[str, int] | str:
    user = _signing_in_user()
    if user is None:
        return redirect(url_for(".login"))
    if not user.has_second_factor:
        return redirect(url_for(".enrol"))
    form = CodeForm()
    if not form.validate_on_submit():
        return render_template("backoffice/code.html", form=form), 400 if form.errors else 200
    db = get_session()
    outcome = verify_second_factor(
        db, user, form.code.data or "", policy=policy(), actor=current_actor(), now=utcnow()
    )
    db.commit()
    if outcome is Outcome.LOCKED:
        session.end()  # type: ignore[attr-defined]
        abort(429)
    if outcome is not Outcome.OK:
        return render_template("backoffice/code.html", form=form, failed=True), 401
    _begin_active(user, notices.unshown(db, user.id))
    return redirect(url_for(_after_sign_in(user)))


@bp.route("/login/enrol", methods=["GET", "POST"])
@limiter.limit(PER_ADDRESS, methods=["POST"])
@answers_busy
def enrol() -> Response | tuple[str, int] | str:
    user = _signing_in_user()
    if user is None:
        return redirect(url_for(".login"))
    if user.has_second_factor:
        return redirect(url_for(".code"))
    db = get_session()
    secret = start_enrolment(db, user)
    db.commit()
    form = EnrolForm()
    if form.validate_on_submit():
        # The notices from before this sign-in (an administrator's reset), not this enrolment's.
        earlier = notices.unshown(db, user.id)
        codes = confirm_enrolment(
            db, user, form.code.data or "", actor=current_actor(), now=utcnow()
        )
        db.commit()
        if codes is not None:
            _begin_active(user, earlier)
            return render_template(
                "backoffice/recovery_codes.html", codes=codes, next_endpoint=_after_sign_in(user)
            )
        form.code.errors = [WRONG_ENROLMENT_CODE]
    uri = totp.provisioning_uri(secret, user.login)
    return render_template(
        "backoffice/enrol.html",
        form=form,
        qr=totp.qr_svg(uri, "二段階認証の登録用QRコード"),
        secret=totp.grouped(secret),
    ), 400 if form.errors else 200


@bp.route("/login/new-password", methods=["GET", "POST"])
@answers_busy
def new_password() -> Response | tuple[str, int] | str:
    """The first password, replacing an administrator's temporary one.

    Only while the account must change its password: the temporary password just given at
    sign-in stands in for the current one. Any other change is on the account page, which asks
    for the current password.
    """
    user: StaffUser | None = g.get("staff_user")
    if user is None:
        return redirect(url_for(".login"))
    if not user.must_change_password:
        abort(404)
    form = NewPasswordForm()
    if form.validate_on_submit():
        db = get_session()
        try:
            change_password(
                db,
                user,
                form.password.data or "",
                hasher=current_app.extensions["tsunagu.hasher"],
                actor=current_actor(),
                now=utcnow(),
            )
        except AccountError as error:
            form.password.errors = [str(error)]
        else:
            end_sessions(db, user.id, reason="password changed", keep=session.row_id)  # type: ignore[attr-defined]
            db.commit()
            return redirect(url_for("dashboard.index"))
    return render_template("backoffice/new_password.html", form=form), 400 if form.errors else 200


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    form = EmptyForm()
    if form.validate_on_submit() and g.get("staff_user") is not None:
        db = get_session()
        audit_account(db, "session.end", current_actor(), g.staff_user, reason="signed out")
        db.commit()
    session.end()  # type: ignore[attr-defined]
    return redirect(url_for(".login"))


def _after_sign_in(user: StaffUser) -> str:
    return "auth.new_password" if user.must_change_password else "dashboard.index"


def _begin_active(user: StaffUser, to_show: Sequence[StaffNotice]) -> None:
    """Signed in: a new session id, and the notices of changes made since the last sign-in."""
    db = get_session()
    session.begin("active", user.id)  # type: ignore[attr-defined]
    for text in notices.mark_shown(db, to_show, utcnow()):
        flash(text)
    db.commit()
