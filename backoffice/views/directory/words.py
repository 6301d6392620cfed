"""The words search uses, in the back office: synonym groups (words search treats as one) and
crisis words (words that put the lines to talk to now first). Each is a list with a form to add
to it and a button to remove an entry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from backoffice.staff.permissions import requires
from backoffice.views.directory.forms import CrisisTermForm, SynonymForm
from backoffice.views.directory.pages import (
    as_editor,
    bp,
    load_crisis_term,
    load_synonym_group,
)
from backoffice.web.forms import EmptyForm
from core.db import get_session
from directory import crisis, editing


@bp.route("/synonyms", methods=["GET", "POST"])
@requires("directory.edit")
def synonyms() -> Response | tuple[str, int]:
    form = SynonymForm()
    return _word_list(
        form,
        lambda db: editing.add_synonym_group(
            db, form.terms.data or "", form.note.data or "", **as_editor()
        ),
        form.terms,
        "同じ意味の言葉を登録しました。次の検索から使われます。",
        "synonyms",
        lambda db: {"groups": editing.synonym_groups(db)},
    )


@bp.route("/synonyms/<int:group_id>/delete", methods=["POST"])
@requires("directory.edit")
def remove_synonyms(group_id: int) -> Response:
    return _remove_word(
        lambda db: editing.remove_synonym_group(db, load_synonym_group(group_id).id, **as_editor()),
        ".synonyms",
    )


@bp.route("/crisis-terms", methods=["GET", "POST"])
@requires("directory.edit")
def crisis_terms() -> Response | tuple[str, int]:
    form = CrisisTermForm()
    return _word_list(
        form,
        lambda db: crisis.add_crisis_term(
            db, form.term.data or "", form.note.data or "", **as_editor()
        ),
        form.term,
        "言葉を登録しました。次の検索から使われます。",
        "crisis_terms",
        lambda db: {"terms": crisis.crisis_terms(db)},
    )


@bp.route("/crisis-terms/<int:term_id>/delete", methods=["POST"])
@requires("directory.edit")
def remove_crisis_term(term_id: int) -> Response:
    return _remove_word(
        lambda db: crisis.remove_crisis_term(db, load_crisis_term(term_id).id, **as_editor()),
        ".crisis_terms",
    )


def _word_list(
    form: FlaskForm,
    add: Callable[[Session], object],
    field: Any,
    message: str,
    page: str,
    listing: Callable[[Session], dict[str, object]],
) -> Response | tuple[str, int]:
    """The list ``page`` (its endpoint and template) with its form: an accepted entry is saved
    and the list shown again; a refused one shows its reasons beside ``field``."""
    db = get_session()
    if form.validate_on_submit():
        try:
            add(db)
        except editing.EditError as error:
            field.errors = list(error.problems.values())
        else:
            db.commit()
            flash(message)
            return redirect(url_for(f".{page}"))
    return render_template(
        f"backoffice/directory/{page}.html", form=form, action_form=EmptyForm(), **listing(db)
    ), 400 if form.errors else 200


def _remove_word(remove: Callable[[Session], None], endpoint: str) -> Response:
    """A delete button on a list: 404 if the entry is not there (any more)."""
    db = get_session()
    if EmptyForm().validate_on_submit():
        remove(db)
        db.commit()
        flash("削除しました。")
    return redirect(url_for(endpoint))
