"""Follow-up actions on a record: added with an owner and a due date, marked done."""

from __future__ import annotations

from werkzeug.wrappers import Response

from backoffice.staff.permissions import requires
from backoffice.training import actions
from backoffice.training.records import TrainingError
from backoffice.views.training.forms import ActionForm
from backoffice.views.training.meetings import detail_page
from backoffice.views.training.pages import (
    bp,
    done,
    load_action,
    load_training_to_change,
    staff_pairs,
)
from backoffice.web.context import current_actor
from backoffice.web.forms import EmptyForm, attach_problems
from core.db import get_session


@bp.post("/<int:training_id>/actions")
@requires("training.edit")
def add_action(training_id: int) -> Response | tuple[str, int]:
    training = load_training_to_change(training_id)
    form = ActionForm()
    form.set_staff(staff_pairs(get_session()))
    if form.validate_on_submit():
        try:
            actions.add_action(
                get_session(),
                training,
                text=form.text.data or "",
                owner_id=form.owner_id.data or None,
                due_on=form.due_on.data,
                actor=current_actor(),
            )
        except TrainingError as error:
            get_session().rollback()
            attach_problems(form, error.problems, fallback="text")
        else:
            return done(training, "フォローアップを追加しました。")
    return detail_page(training, action_form=form), 400


@bp.post("/<int:training_id>/actions/<int:action_id>/done")
@requires("training.edit")
def complete_action(training_id: int, action_id: int) -> Response:
    training = load_training_to_change(training_id)
    action = load_action(training, action_id)
    if not EmptyForm().validate_on_submit():
        return done(training, "もう一度操作してください。")
    actions.complete_action(get_session(), action, actor=current_actor())
    return done(training, "フォローアップを完了にしました。")
