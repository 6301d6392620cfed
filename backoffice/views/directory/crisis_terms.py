"""Crisis words in the back office: the words that put the lines to talk to now first."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from werkzeug.wrappers import Response

from backoffice.staff.permissions import requires
from backoffice.views.directory.forms import CrisisTermForm
from backoffice.views.directory.pages import bp
from backoffice.web.context import current_actor
from backoffice.web.forms import EmptyForm
from core.db import get_session
from directory import crisis, editing


@bp.route("/crisis-terms", methods=["GET", "POST"])
@requires("directory.edit")
def crisis_terms() -> Response | tuple[str, int]:
    db, form = get_session(), CrisisTermForm()
    if form.validate_on_submit():
        try:
            crisis.add_crisis_term(
                db, form.term.data or "", form.note.data or "", editor=g.staff_user,
                network=current_actor().network,
            )  # fmt: skip
        except editing.EditError as error:
            form.term.errors = list(error.problems.values())
        else:
            db.commit()
            flash("言葉を登録しました。次の検索から使われます。")
            return redirect(url_for(".crisis_terms"))
    return render_template(
        "backoffice/directory/crisis_terms.html",
        form=form,
        terms=crisis.crisis_terms(db),
        action_form=EmptyForm(),
    ), 400 if form.errors else 200


@bp.route("/crisis-terms/<int:term_id>/delete", methods=["POST"])
@requires("directory.edit")
def remove_crisis_term(term_id: int) -> Response:
    db = get_session()
    if EmptyForm().validate_on_submit():
        try:
            crisis.remove_crisis_term(
                db, term_id, editor=g.staff_user, network=current_actor().network
            )
        except editing.EditError:
            abort(404)
        db.commit()
        flash("削除しました。")
    return redirect(url_for(".crisis_terms"))
