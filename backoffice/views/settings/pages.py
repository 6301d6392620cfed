"""The municipality profile page (`settings.manage`, administrators): the form, a preview of
the home page's contact block and of the card with the values typed, then the save. A form
opened before someone else saved changes nothing and says so (409)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from backoffice.settings import edits
from backoffice.settings.checks import SettingsError, changed_fields, edited_profile
from backoffice.settings.fields import LABELS
from backoffice.staff.permissions import requires
from backoffice.views.settings.forms import ProfileForm, SaveForm, raw_of
from backoffice.views.settings.preview import (
    card_font,
    card_problems,
    file_profile,
    kinds_for,
    production,
    scan_url,
    sign,
    standard_card,
    unsign,
)
from backoffice.web.context import current_actor
from backoffice.web.forms import attach_problems
from cards.files import render
from core.db import get_session
from core.profile import Profile, get_profile

bp = Blueprint("settings", __name__, url_prefix="/settings")
Page = Response | str | tuple[str, int]
SIDES = {"front": "preview.png", "back": "preview-back.png"}


@bp.route("/profile", methods=["GET", "POST"])
@requires("settings.manage")
def profile() -> Page:
    db = get_session()
    current = get_profile(db, file_profile())
    form = ProfileForm()
    form.set_kinds(kinds_for(current))
    if request.method == "GET":
        form.fill(raw_of(current))
        form.version.data = edits.current_version(db, file_profile())
        return _page(form, current)
    if not form.validate():
        return _page(form, current), 400
    if not form.version.data:  # not a form this page made
        form.form_errors.append("この画面を開き直してから、もう一度入力してください。")
        return _page(form, current), 400
    if form.version.data != edits.current_version(db, file_profile()):
        return _conflict()
    raw = form.raw()
    try:
        edited = edited_profile(current, raw, kinds=kinds_for(current), production=production())
    except SettingsError as error:
        attach_problems(form, error.problems)
        return _page(form, current), 400
    problems = card_problems(db, edited)
    if problems:
        form.form_errors.extend(f"案内カードに入りきりません: {m}" for m in problems.values())
        return _page(form, current), 400
    token = sign(raw, form.version.data or "")
    return _page(form, current, edited=edited, token=token)


@bp.post("/profile/save")
@requires("settings.manage")
def save() -> Page:
    db = get_session()
    current = get_profile(db, file_profile())
    signed = unsign(SaveForm().preview.data)
    if signed is None:
        flash("確認の期限が切れました。もう一度入力して「確認する」を押してください。")
        return redirect(url_for(".profile"))
    raw, version = signed
    try:
        edited = edited_profile(current, raw, kinds=kinds_for(current), production=production())
        changed = edits.save_profile(
            db, file_profile(), edited, version=version, actor=current_actor()
        )
    except edits.ProfileConflictError:
        db.rollback()
        return _conflict()
    except SettingsError:
        db.rollback()
        flash("保存できない値があります。もう一度入力して「確認する」を押してください。")
        return redirect(url_for(".profile"))
    db.commit()
    if changed:
        names = "、".join(LABELS[name] for name in changed)
        flash(
            f"自治体の設定を保存しました（{names}）。公開サイトには次に開くページから表示されます。"
        )
    else:
        flash("変更はありませんでした。")
    return redirect(url_for(".profile"))


@bp.get("/profile/card-<side>.png")
@requires("settings.manage")
def card_preview(side: str) -> Response:
    """The standard card with the previewed values (``d``), or with the stored ones."""
    if side not in SIDES:
        abort(404)
    db = get_session()
    profile = get_profile(db, file_profile())
    if "d" in request.args:
        signed = unsign(request.args["d"])
        if signed is None:
            abort(400)
        try:
            profile = edited_profile(
                profile, signed[0], kinds=kinds_for(profile), production=production()
            )
        except SettingsError:
            abort(400)
    body = render(standard_card(db, profile), scan_url(), SIDES[side], font_path=card_font())
    return current_app.response_class(body, mimetype="image/png")


def _page(
    form: ProfileForm, current: Profile, *, edited: Profile | None = None, token: str = ""
) -> str:
    changes: list[dict[str, Any]] = []
    if edited is not None:
        changes = [
            {"label": LABELS[name], "before": _shown(current, name), "after": _shown(edited, name)}
            for name in changed_fields(current, edited)
        ]
    return render_template(
        "backoffice/settings/profile.html",
        form=form,
        edited=edited,
        changes=changes,
        shorter_retention=edited is not None and edited.retention_years < current.retention_years,
        save_form=SaveForm(formdata=None, preview=token),
        token=token,
    )


def _shown(profile: Profile, name: str) -> str:
    value = getattr(profile, name)
    if name == "emergency_numbers":
        return "、".join(f"{e.label} {e.number}" for e in value) or "なし"
    if isinstance(value, tuple):
        return "、".join(value) or "なし"
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    return str(value) if value != "" else "（空欄）"


def _conflict() -> tuple[str, int]:
    get_session().rollback()
    again = url_for(".profile")
    return render_template("backoffice/settings/conflict.html", again=again), 409
