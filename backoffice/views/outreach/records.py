"""Outreach pages of a subject's record: its export (with a reason) and legal hold."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from backoffice.outreach import records
from backoffice.staff.permissions import requires
from backoffice.views.outreach.forms import REASON_HINT, ExportForm, HoldForm
from backoffice.views.outreach.pages import bp, load_subject
from backoffice.web.context import current_actor
from core.db import get_session


@bp.route("/<int:subject_id>/export", methods=["GET", "POST"])
@requires("outreach.edit")
def export(subject_id: int) -> Response | tuple[str, int]:
    db = get_session()
    form = ExportForm()
    subject = load_subject(subject_id, "export" if request.method == "POST" else "export form")
    db.commit()
    if form.validate_on_submit():
        try:
            exported = records.export_subject(
                db, subject, actor=current_actor(), reason=form.reason.data or ""
            )
        except records.RecordsError as error:
            db.rollback()
            form.reason.errors = [*form.reason.errors, str(error)]
        else:
            db.commit()
            response = current_app.response_class(exported.body, mimetype=exported.mimetype)
            response.headers["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
            return response
    db.commit()
    status = 400 if request.method == "POST" else 200
    return render_template(
        "backoffice/outreach/export.html", subject=subject, form=form, reason_hint=REASON_HINT
    ), status


@bp.route("/<int:subject_id>/legal-hold", methods=["POST"])
@requires("referral.supervise")
def legal_hold(subject_id: int) -> Response:
    db = get_session()
    subject = load_subject(subject_id, why="legal hold")
    form = HoldForm(prefix="hold")
    if not form.validate():
        db.commit()
        flash("法的保全を変更する理由を入力してください。")
        return redirect(url_for(".detail", subject_id=subject_id))
    try:
        changed = records.set_legal_hold(
            db, subject, form.state.data == "1", actor=current_actor(),
            reason=form.reason.data or "",
        )  # fmt: skip
    except records.RecordsError as error:
        db.commit()
        flash(str(error))
        return redirect(url_for(".detail", subject_id=subject_id))
    db.commit()
    if not changed:
        flash("法的保全の状態はすでにその通りです。")
    elif subject.legal_hold:
        flash(f"{subject.subject_number} を法的保全にしました。保全中は匿名化されません。")
    else:
        flash(f"{subject.subject_number} の法的保全を解除しました。")
    return redirect(url_for(".detail", subject_id=subject_id))
