"""Account administration for the `admin` role: create, change roles, disable, reset, end sessions.

Administrators manage accounts; they do not read cases unless they also hold a case role. A
case role (or the admin role) given here, or kept by an account whose password or second factor
an administrator resets, waits until a second administrator approves it.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from backoffice.staff import accounts, credentials, role_changes
from backoffice.staff.models import StaffUser
from backoffice.staff.permissions import ROLES, requires
from backoffice.views.staff.forms import NewStaffForm, StaffForm
from backoffice.web.context import current_actor
from backoffice.web.forms import EmptyForm
from backoffice.web.sessions import end_sessions, live_sessions
from core.db import get_session, utcnow

bp = Blueprint("staff_admin", __name__, url_prefix="/accounts")
WAITING = (
    "このアカウントのつなぎ支援と管理の役割は、ほかの管理者が承認するまで使えません"
    "（リセットした人は承認できません）。"
)


def _user(user_id: int) -> StaffUser:
    user = get_session().get(StaffUser, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/")
@requires("staff.manage")
def index() -> str:
    users = get_session().scalars(select(StaffUser).order_by(StaffUser.login)).all()
    return render_template("backoffice/staff_list.html", users=users, action_form=EmptyForm())


@bp.route("/new", methods=["GET", "POST"])
@requires("staff.manage")
def create() -> tuple[str, int] | str:
    form = NewStaffForm()
    if form.validate_on_submit():
        db = get_session()
        password = credentials.temporary_password()
        try:
            user = accounts.create_staff(
                db,
                login=form.login.data or "",
                display_name=form.display_name.data or "",
                email=form.email.data or "",
                roles=set(form.roles.data or []),
                password=password,
                hasher=current_app.extensions["tsunagu.hasher"],
                actor=current_actor(),
            )
        except accounts.AccountError as error:
            form.login.errors = [str(error)]
        else:
            user.active = bool(form.active.data)
            db.commit()
            return render_template("backoffice/staff_created.html", user=user, password=password)
    return render_template("backoffice/staff_form.html", form=form, user=None), (
        400 if form.errors else 200
    )


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@requires("staff.manage")
def edit(user_id: int) -> Response | tuple[str, int]:
    user, db = _user(user_id), get_session()
    # Not obj=user: its `roles` are those in effect, and the form must keep waiting ones too.
    form = StaffForm(
        data={
            "display_name": user.display_name,
            "email": user.email,
            "roles": sorted(user.granted_roles),
            "active": user.active,
        }
    )
    if form.validate_on_submit():
        try:
            _save(user, form)
        except accounts.AccountError as error:
            db.commit()  # refused before any change: this keeps only the refusal's audit event
            form.roles.errors = [str(error)]
        else:
            db.commit()
            flash("アカウントを更新しました。")
            return redirect(url_for(".edit", user_id=user.id))
    settings = current_app.config["TSUNAGU_SETTINGS"]
    return render_template(
        "backoffice/staff_form.html",
        form=form,
        user=user,
        action_form=EmptyForm(),
        sessions=live_sessions(db, user.id, settings),
    ), 400 if form.errors else 200


def _save(user: StaffUser, form: StaffForm) -> None:
    """Roles first: a refusal comes before anything else is changed."""
    db, actor = get_session(), current_actor()
    role_changes.set_roles(db, user, set(form.roles.data or []), actor=actor)
    accounts.update_profile(
        db,
        user,
        display_name=form.display_name.data or "",
        email=form.email.data or "",
        actor=actor,
    )
    accounts.set_active(db, user, bool(form.active.data), actor=actor)
    if not user.active:
        end_sessions(db, user.id, reason="account disabled")


@bp.route("/<int:user_id>/reset-second-factor", methods=["POST"])
@requires("staff.manage")
def reset_second_factor(user_id: int) -> Response:
    user, db = _user(user_id), get_session()
    if user.id == g.staff_user.id:
        flash(accounts.OWN_ACCOUNT)
    elif EmptyForm().validate_on_submit():
        credentials.reset_second_factor(db, user, actor=current_actor(), now=utcnow())
        end_sessions(db, user.id, reason="second factor reset")
        db.commit()
        flash("二段階認証をリセットしました。次のログインで登録し直します。")
        if user.pending_roles:
            flash(WAITING)
    return redirect(url_for(".edit", user_id=user.id))


@bp.route("/<int:user_id>/reset-password", methods=["POST"])
@requires("staff.manage")
def reset_password(user_id: int) -> Response | str:
    user, db = _user(user_id), get_session()
    if not EmptyForm().validate_on_submit():
        return redirect(url_for(".edit", user_id=user.id))
    try:
        password = credentials.issue_temporary_password(
            db,
            user,
            hasher=current_app.extensions["tsunagu.hasher"],
            actor=current_actor(),
            now=utcnow(),
        )
    except accounts.AccountError as error:
        flash(str(error))
        return redirect(url_for(".edit", user_id=user.id))
    end_sessions(db, user.id, reason="password reset")
    db.commit()
    return render_template("backoffice/staff_created.html", user=user, password=password)


@bp.route("/<int:user_id>/unlock", methods=["POST"])
@requires("staff.manage")
def unlock(user_id: int) -> Response:
    user, db = _user(user_id), get_session()
    if EmptyForm().validate_on_submit():
        accounts.unlock(db, user, actor=current_actor())
        db.commit()
        flash("ロックを解除しました。")
    return redirect(url_for(".edit", user_id=user.id))


@bp.route("/<int:user_id>/end-sessions", methods=["POST"])
@requires("staff.manage")
def end_all_sessions(user_id: int) -> Response:
    user, db = _user(user_id), get_session()
    if EmptyForm().validate_on_submit():
        ended = end_sessions(db, user.id, reason="ended by administrator")
        reason = f"{ended} sessions ended by administrator"
        accounts.audit_account(db, "session.end", current_actor(), user, reason=reason)
        db.commit()
        flash(f"{ended}件のセッションを終了しました。")
    return redirect(url_for(".edit", user_id=user.id))


@bp.route("/<int:user_id>/roles/<role>/approve", methods=["POST"])
@requires("staff.manage")
def approve_role(user_id: int, role: str) -> Response:
    user, db = _user(user_id), get_session()
    if role not in ROLES:
        abort(404)
    if EmptyForm().validate_on_submit():
        try:
            role_changes.approve_role(db, user, role, actor=current_actor(), now=utcnow())
        except accounts.AccountError as error:
            db.commit()  # keeps only the refusal's audit event
            flash(str(error))
        else:
            db.commit()
            flash("役割を承認しました。")
    return redirect(url_for(".edit", user_id=user.id))
