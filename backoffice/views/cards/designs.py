"""Card designs in the back office (`cards.design`): a new design copied from another, editing
one with a preview before saving, and the preview images, signed so they cannot be forged."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from backoffice.staff.permissions import requires
from backoffice.views.cards.design_fields import (
    attach_design_problems,
    design_from_form,
    fill_form,
    with_fields,
)
from backoffice.views.cards.forms import DesignForm, NewDesignForm
from backoffice.views.cards.pages import (
    as_actor,
    bp,
    card_font,
    chosen_design,
    default_design,
    design_choices,
    design_of,
    load_design,
    scan_url,
)
from cards import batches as batch_service
from cards.design import CardDesign, validate_design
from cards.designs import (
    DesignError,
    copy_design,
    fit_problems,
    save_design,
    stored_fields,
)
from cards.files import render
from cards.logo import LogoError
from cards.models import SavedDesign
from cards.sample import sample_reason
from core.db import get_session

PREVIEW_SALT = "tsunagu.cards.preview"
PREVIEW_SECONDS = 3600


@bp.route("/designs/new", methods=["GET", "POST"])
@requires("cards.design")
def new_design() -> Response | str | tuple[str, int]:
    """A second design (for a school, an event...), starting as a copy of an existing one."""
    db = get_session()
    form = NewDesignForm()
    form.source.choices = design_choices()
    if form.validate_on_submit():
        source = chosen_design(form.source.data)
        try:
            copy = copy_design(db, source, form.name.data, **as_actor())
        except DesignError as exc:
            db.rollback()
            attach_design_problems(form, exc.problems)
            return render_template("backoffice/cards/design_new.html", form=form), 400
        db.commit()
        flash("デザインを作りました。文面や色を変えて保存してください。")
        return redirect(url_for(".edit_design", name=copy.name))
    status = 400 if request.method == "POST" else 200
    return render_template("backoffice/cards/design_new.html", form=form), status


@bp.route("/designs/<name>", methods=["GET", "POST"])
@requires("cards.design")
def edit_design(name: str) -> Response | str | tuple[str, int]:
    db = get_session()
    saved = load_design(name)
    stored = design_of(saved)
    form = DesignForm()
    if request.method == "GET":
        fill_form(form, stored)
        return _design_page(saved, form, stored)
    if not form.validate():
        return _design_page(saved, form, stored), 400
    try:
        design = design_from_form(form, stored)
    except LogoError as exc:
        form.logo.errors = [str(exc)]
        return _design_page(saved, form, stored), 400
    url, font = scan_url("x" * batch_service.CODE_LENGTH), card_font()
    if request.form.get("action") == "preview":
        problems = validate_design(design) or fit_problems(design, url, font_path=font)
        attach_design_problems(form, problems)
        page = _design_page(saved, form, stored if problems else design, preview=not problems)
        return page, 400 if problems else 200
    try:
        save_design(
            db, saved, design, default=default_design(), url=url, font_path=font, **as_actor()
        )
    except DesignError as exc:
        db.rollback()
        attach_design_problems(form, exc.problems)
        return _design_page(saved, form, stored), 400
    db.commit()
    flash("デザインを保存しました。")
    return redirect(url_for(".edit_design", name=name))


@bp.route("/designs/<name>/preview-<side>.png")
@requires("cards.design")
def preview(name: str, side: str) -> Response:
    """The preview image: of the stored design, or of unsaved values signed into ``d``."""
    if side not in ("front", "back"):
        abort(404)
    saved = load_design(name)
    design = design_of(saved)
    if "d" in request.args:
        try:
            signed = _serializer().loads(request.args["d"], max_age=PREVIEW_SECONDS)
        except BadSignature:  # forged, or older than an hour
            abort(400)
        if not isinstance(signed, dict) or signed.get("name") != name:
            abort(400)
        design = with_fields(design, signed.get("fields"))
    kind = "preview.png" if side == "front" else "preview-back.png"
    code = "x" * batch_service.CODE_LENGTH
    body = render(design, scan_url(code), kind, font_path=card_font())
    return current_app.response_class(body, mimetype="image/png")


def _design_page(
    saved: SavedDesign, form: DesignForm, design: CardDesign, *, preview: bool = False
) -> str:
    signed = {"name": saved.name, "fields": stored_fields(design)}
    token = _serializer().dumps(signed) if preview else None
    return render_template(
        "backoffice/cards/design.html",
        saved=saved,
        form=form,
        preview_token=token,
        has_logo=saved.logo is not None,
        sample_reason=sample_reason(scan_url("x" * batch_service.CODE_LENGTH)),
    )


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=PREVIEW_SALT)
