"""Search synonyms in the back office: the list of word groups, adding one, removing one."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from werkzeug.wrappers import Response

from backoffice.staff.permissions import requires
from backoffice.views.directory.forms import SynonymForm
from backoffice.views.directory.pages import bp
from backoffice.web.context import current_actor
from backoffice.web.forms import EmptyForm
from core.db import get_session
from directory import editing


@bp.route("/synonyms", methods=["GET", "POST"])
@requires("directory.edit")
def synonyms() -> Response | tuple[str, int]:
    db, form = get_session(), SynonymForm()
    if form.validate_on_submit():
        try:
            editing.add_synonym_group(
                db, form.terms.data or "", form.note.data or "", editor=g.staff_user,
                network=current_actor().network,
            )  # fmt: skip
        except editing.EditError as error:
            form.terms.errors = list(error.problems.values())
        else:
            db.commit()
            flash("同じ意味の言葉を登録しました。次の検索から使われます。")
            return redirect(url_for(".synonyms"))
    return render_template(
        "backoffice/directory/synonyms.html",
        form=form,
        groups=editing.synonym_groups(db),
        action_form=EmptyForm(),
    ), 400 if form.errors else 200


@bp.route("/synonyms/<int:group_id>/delete", methods=["POST"])
@requires("directory.edit")
def remove_synonyms(group_id: int) -> Response:
    db = get_session()
    if EmptyForm().validate_on_submit():
        try:
            editing.remove_synonym_group(
                db, group_id, editor=g.staff_user, network=current_actor().network
            )
        except editing.EditError:
            abort(404)
        db.commit()
        flash("削除しました。")
    return redirect(url_for(".synonyms"))
