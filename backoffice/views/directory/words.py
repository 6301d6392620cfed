"""The words search uses, in the back office: synonym groups (words search treats as one) and
crisis words (words that put the lines to talk to now first). Each is a list with a form to add
to it and a button to remove an entry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class WordList:
    page: str  # the list's endpoint and template
    form: type[FlaskForm]
    field: str  # the form's field of words, beside which a refusal is shown
    add: Callable[..., object]  # add(db, words, note, editor=..., network=...)
    added: str  # the message once added
    listed: str  # the template's name for the entries
    entries: Callable[[Session], object]
    load: Callable[[int], Any]  # an entry by its id, or 404
    remove: Callable[..., None]  # remove(db, entry_id, editor=..., network=...)


SYNONYMS = WordList(
    "synonyms", SynonymForm, "terms", editing.add_synonym_group,
    "同じ意味の言葉を登録しました。次の検索から使われます。", "groups", editing.synonym_groups,
    load_synonym_group, editing.remove_synonym_group,
)  # fmt: skip
CRISIS_TERMS = WordList(
    "crisis_terms", CrisisTermForm, "term", crisis.add_crisis_term,
    "言葉を登録しました。次の検索から使われます。", "terms", crisis.crisis_terms,
    load_crisis_term, crisis.remove_crisis_term,
)  # fmt: skip


@bp.route("/synonyms", methods=["GET", "POST"])
@requires("directory.edit")
def synonyms() -> Response | tuple[str, int]:
    return _word_list(SYNONYMS)


@bp.route("/synonyms/<int:group_id>/delete", methods=["POST"])
@requires("directory.edit")
def remove_synonyms(group_id: int) -> Response:
    return _remove_word(SYNONYMS, group_id)


@bp.route("/crisis-terms", methods=["GET", "POST"])
@requires("directory.edit")
def crisis_terms() -> Response | tuple[str, int]:
    return _word_list(CRISIS_TERMS)


@bp.route("/crisis-terms/<int:term_id>/delete", methods=["POST"])
@requires("directory.edit")
def remove_crisis_term(term_id: int) -> Response:
    return _remove_word(CRISIS_TERMS, term_id)


def _word_list(words: WordList) -> Response | tuple[str, int]:
    """The list with its form: an accepted entry is saved and the list shown again; a refused
    one shows its reasons beside the field of words."""
    db, form = get_session(), words.form()
    if form.validate_on_submit():
        field = getattr(form, words.field)
        try:
            words.add(db, field.data or "", form.note.data or "", **as_editor())
        except editing.EditError as error:
            field.errors = list(error.problems.values())
        else:
            db.commit()
            flash(words.added)
            return redirect(url_for(f".{words.page}"))
    return render_template(
        f"backoffice/directory/{words.page}.html",
        form=form,
        action_form=EmptyForm(),
        **{words.listed: words.entries(db)},
    ), 400 if form.errors else 200


def _remove_word(words: WordList, entry_id: int) -> Response:
    """A delete button on the list: 404 if the entry is not there (any more)."""
    if EmptyForm().validate_on_submit():
        db = get_session()
        words.remove(db, words.load(entry_id).id, **as_editor())
        db.commit()
        flash("削除しました。")
    return redirect(url_for(f".{words.page}"))
