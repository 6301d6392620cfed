"""Case records in the back office: export one case as PDF or JSON (`referral.export`), and put
a case on legal hold or release it (`referral.supervise`). Both ask for a typed reason, which the
audit trail keeps.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length

from backoffice.referrals import records, retention
from backoffice.referrals.models import Referral
from backoffice.referrals.scopes import open_referral, viewer_for
from backoffice.staff.permissions import requires
from backoffice.web.context import current_actor
from cards.fonts import FontMissing
from core.db import get_session

bp = Blueprint("records", __name__, url_prefix="/referrals")
HOLD_PREFIX = "legal_hold"
REASON_HINT = _l("記録に残ります。氏名など個人を特定できる情報は書かないでください。")


class ExportForm(FlaskForm):
    reason = TextAreaField(
        _l("書き出す理由（開示請求への対応、他の自治体への移管など）"),
        validators=[
            DataRequired(_l("書き出す理由を入力してください。")),
            Length(max=records.REASON_LIMIT),
        ],
    )
    file_format = RadioField(
        _l("形式"),
        choices=[
            SelectChoice("pdf", _l("PDF（印刷・開示用）")),
            SelectChoice("json", _l("JSON（移管用）")),
        ],
        default="pdf",
        validators=[DataRequired(_l("形式を選んでください。"))],
    )


class LegalHoldForm(FlaskForm):
    """Prefixed, so it can sit on a page beside another form with a reason field."""

    state = HiddenField(validators=[AnyOf(["1", "0"])])  # the state asked for, not a toggle
    reason = TextAreaField(
        _l("理由"),
        validators=[
            DataRequired(_l("理由を入力してください。")),
            Length(max=retention.REASON_LIMIT),
        ],
    )


def legal_hold_form(referral: Referral) -> LegalHoldForm:
    """The form that flips the case's hold, for the case page (see records/_legal_hold.html)."""
    return LegalHoldForm(
        prefix=HOLD_PREFIX, formdata=None, state="0" if referral.legal_hold else "1"
    )


def _case(referral_id: int, why: str) -> Referral:
    """The case, its read audited; 404 outside the viewer's scope, or for anyone who would see
    only part of it (the export is the whole case)."""
    actor = current_actor()
    viewer = viewer_for(actor.user)
    referral = open_referral(get_session(), referral_id, viewer, network=actor.network, why=why)
    if referral is None or not viewer.full:
        abort(404)
    return referral


def _back(referral: Referral) -> str:
    if "referrals.detail" in current_app.view_functions:
        return url_for("referrals.detail", referral_id=referral.id)
    return url_for(".export", referral_id=referral.id)


@bp.route("/<int:referral_id>/export", methods=["GET", "POST"])
@requires("referral.export")
def export(referral_id: int) -> Response | tuple[str, int]:
    db = get_session()
    form = ExportForm()
    referral = _case(referral_id, "export" if request.method == "POST" else "export form")
    db.commit()  # the audited read; no write stays open while the file is built
    if form.validate_on_submit():
        actor = current_actor()
        try:
            exported = records.export_case(
                db, referral, form.file_format.data or "", actor=actor.user,
                network=actor.network, reason=form.reason.data or "",
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
    referral = _case(referral_id, "legal hold")
    form = LegalHoldForm(prefix=HOLD_PREFIX)
    if not form.validate():
        db.commit()
        flash(_("法的保全を変更する理由を入力してください。"))
        return redirect(_back(referral))
    actor = current_actor()
    try:
        changed = retention.set_legal_hold(
            db, referral, form.state.data == "1", actor=actor.user, network=actor.network,
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
