"""The signed-in user's own account pages (``/account/``): password, second factor, recovery
codes, sessions. Administrators manage other accounts in ``admin.py``."""

from __future__ import annotations

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
from werkzeug.wrappers import Response

from backoffice.staff import notices
from backoffice.staff.accounts import AccountError, audit_account
from backoffice.staff.credentials import change_password, new_recovery_codes
from backoffice.staff.credentials import reset_second_factor as remove_second_factor
from backoffice.staff.models import StaffSession
from backoffice.staff.permissions import requires
from backoffice.staff.signin import Outcome, confirm_password
from backoffice.views.staff.forms import ChangePasswordForm, ConfirmPasswordForm
from backoffice.views.staff.signin import policy
from backoffice.web.context import current_actor
from backoffice.web.forms import EmptyForm
from backoffice.web.sessions import end_session, end_sessions, live_sessions
from core.db import get_session, utcnow

WRONG_PASSWORD = "今のパスワードが正しくありません。"  # noqa: S105 (a message)

bp = Blueprint("account", __name__, url_prefix="/account")


def _page(**forms: object) -> tuple[str, int]:
    user = g.staff_user
    forms.setdefault("password_form", ChangePasswordForm())
    forms.setdefault("confirm_form", ConfirmPasswordForm())
    status = 400 if any(getattr(f, "errors", None) for f in forms.values()) else 200
    return render_template(
        "backoffice/account.html",
        sessions=live_sessions(get_session(), user.id, current_app.config["TSUNAGU_SETTINGS"]),
        current_session=session.row_id,  # type: ignore[attr-defined]
        end_form=EmptyForm(),
        notices=[notices.text(n) for n in notices.recent(get_session(), user.id)],
        **forms,
    ), status


@bp.route("/")
@requires("account.manage_own")
def index() -> tuple[str, int]:
    return _page()


def _current_password_ok(form: ChangePasswordForm | ConfirmPasswordForm) -> bool:
    """The current password, counted like a sign-in; too many wrong ones sign the session out."""
    user, db = g.staff_user, get_session()
    outcome = confirm_password(
        db, user, form.current.data or "", policy=policy(), actor=current_actor(), now=utcnow()
    )
    db.commit()
    if outcome is Outcome.LOCKED:
        session.end()  # type: ignore[attr-defined]
        abort(429)
    if outcome is not Outcome.OK:
        form.current.errors = [WRONG_PASSWORD]
    return outcome is Outcome.OK


@bp.route("/password", methods=["POST"])
@requires("account.manage_own")
def password() -> Response | tuple[str, int]:
    form = ChangePasswordForm()
    if not form.validate_on_submit() or not _current_password_ok(form):
        return _page(password_form=form)
    user, db = g.staff_user, get_session()
    hasher = current_app.extensions["tsunagu.hasher"]
    try:
        change_password(
            db, user, form.password.data or "", hasher=hasher, actor=current_actor(), now=utcnow()
        )
    except AccountError as error:
        form.password.errors = [str(error)]
        return _page(password_form=form)
    ended = end_sessions(db, user.id, reason="password changed", keep=session.row_id)  # type: ignore[attr-defined]
    db.commit()
    flash(f"パスワードを変更しました。ほかの{ended}件のセッションを終了しました。")
    return redirect(url_for(".index"))


@bp.route("/recovery-codes", methods=["POST"])
@requires("account.manage_own")
def recovery_codes() -> Response | tuple[str, int] | str:
    form = ConfirmPasswordForm()
    if not form.validate_on_submit() or not _current_password_ok(form):
        return _page(confirm_form=form)
    db = get_session()
    codes = new_recovery_codes(db, g.staff_user, actor=current_actor(), now=utcnow())
    db.commit()
    return render_template(
        "backoffice/recovery_codes.html", codes=codes, next_endpoint="account.index"
    )


@bp.route("/second-factor/reset", methods=["POST"])
@requires("account.manage_own")
def reset_second_factor() -> Response | tuple[str, int]:
    form = ConfirmPasswordForm()
    if not form.validate_on_submit() or not _current_password_ok(form):
        return _page(confirm_form=form)
    user, db = g.staff_user, get_session()
    remove_second_factor(db, user, actor=current_actor(), now=utcnow())
    end_sessions(db, user.id, reason="second factor changed", keep=session.row_id)  # type: ignore[attr-defined]
    db.commit()
    session.begin("password", user.id)  # type: ignore[attr-defined]
    return redirect(url_for("auth.enrol"))


@bp.route("/sessions/<session_id>/end", methods=["POST"])
@requires("account.manage_own")
def end_one_session(session_id: str) -> Response:
    form, user, db = EmptyForm(), g.staff_user, get_session()
    row = db.get(StaffSession, session_id)
    # Only one's own sessions: anyone else's id is answered as if it did not exist.
    if form.validate_on_submit() and row is not None and row.user_id == user.id:
        end_session(db, session_id, reason="ended by user")
        audit_account(db, "session.end", current_actor(), user, reason="ended by user")
        db.commit()
        flash("セッションを終了しました。")
    return redirect(url_for(".index"))


@bp.route("/sessions/end-others", methods=["POST"])
@requires("account.manage_own")
def end_other_sessions() -> Response:
    form, user, db = EmptyForm(), g.staff_user, get_session()
    if form.validate_on_submit():
        ended = end_sessions(db, user.id, reason="ended by user", keep=session.row_id)  # type: ignore[attr-defined]
        reason = f"{ended} other sessions ended by user"
        audit_account(db, "session.end", current_actor(), user, reason=reason)
        db.commit()
        flash(f"ほかの{ended}件のセッションを終了しました。")
    return redirect(url_for(".index"))
