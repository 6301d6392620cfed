"""Case records in the back office: export one case as PDF or JSON (`referral.export`), and put
a case on legal hold or release it (`referral.supervise`). Both ask for a typed reason, which the
audit trail keeps.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from backoffice.referrals import records, retention
from backoffice.referrals.models import Referral
from backoffice.staff.permissions import requires
from backoffice.views.referrals.forms import (
    HOLD_PREFIX,
    REASON_HINT,
    ExportForm,
    LegalHoldForm,
    legal_hold_form,
)
from backoffice.views.referrals.pages import load_whole_case
from backoffice.views.referrals.pages import records_bp as bp
from backoffice.web.context import current_actor
from cards.fonts import FontMissing
from core.db import get_session


def _back(referral: Referral) -> str:
    if "referrals.detail" in current_app.view_functions:
        return url_for("referrals.detail", referral_id=referral.id)
    return url_for(".export", referral_id=referral.id)


@bp.route("/<int:referral_id>/export", methods=["GET", "POST"])
@requires("referral.export")
def export(referral_id: int) -> Response | tuple[str, int]:
    db = get_session()
    form = ExportForm()
    referral = load_whole_case(referral_id, "export" if request.method == "POST" else "export form")
    db.commit()  # the audited read; no write stays open while the file is built
    if form.validate_on_submit():
        try:
            exported = records.export_case(
                db, referral, form.file_format.data or "", actor=current_actor(),
                reason=form.reason.data or "",
                font_path=current_app.config["TSUNAGU_SETTINGS"].card_font_path,
            )  # fmt: skip
        except (records.RecordsError, FontMissing) as error:
            db.rollback()
            form.reason.errors = [*form.reason.errors, str(error)]
        else:
            db.commit()
            response = current_app.response_class(exported.body, mimetype=exported.mimetype)
            disposition = f'attachment; filename="{exported.filename}"'
            response.headers["Content-Disposition"] = disposition
            return response
    db.commit()  # the audited read
    status = 400 if request.method == "POST" else 200
    return render_template(
        "backoffice/records/export.html",
        referral=referral,
        form=form,
        hold_form=legal_hold_form(referral),
        reason_hint=REASON_HINT,
        back_url=_back(referral),
    ), status


@bp.route("/<int:referral_id>/legal-hold", methods=["POST"])
@requires("referral.supervise")
def legal_hold(referral_id: int) -> Response:
    db = get_session()
    referral = load_whole_case(referral_id, "legal hold")
    form = LegalHoldForm(prefix=HOLD_PREFIX)
    if not form.validate():
        db.commit()
        flash(_("法的保全を変更する理由を入力してください。"))
        return redirect(_back(referral))
    try:
        changed = retention.set_legal_hold(
            db, referral, form.state.data == "1", actor=current_actor(),
            reason=form.reason.data or "",
        )  # fmt: skip
    except records.RecordsError as error:  # refused before anything changed
        db.commit()  # the audited read
        flash(str(error))
        return redirect(_back(referral))
    db.commit()
    if not changed:
        flash(_("法的保全の状態はすでにその通りです。"))
    elif referral.legal_hold:
        flash(
            _(
                "%(case)s を法的保全にしました。保全中は匿名化されません。",
                case=referral.case_number,
            )
        )
    else:
        flash(_("%(case)s の法的保全を解除しました。", case=referral.case_number))
    return redirect(_back(referral))
