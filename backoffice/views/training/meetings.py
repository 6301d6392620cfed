"""Training records: the list (in the viewer's scope, by fiscal year), a new record, one
record's page (participants, materials, follow-up actions) and its edit form. A stale edit
changes nothing and says so (409)."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from backoffice.staff.permissions import requires
from backoffice.training import history, records
from backoffice.training.models import Training
from backoffice.training.scopes import may_change, scoped, sees_all
from backoffice.training.vocabulary import KIND_LABELS, ORGANISER_LABELS
from backoffice.views.training.forms import ActionForm, MaterialForm, TrainingForm
from backoffice.views.training.pages import (
    bp,
    done,
    load_training,
    load_training_to_change,
    material_limit,
    staff_names,
    staff_pairs,
)
from backoffice.web.context import current_actor
from backoffice.web.forms import EmptyForm, attach_problems, number
from core.db import get_session
from core.pagination import page_number, paginate
from core.timezone import tokyo_today

PER_PAGE = 50
LABELS = {"kinds": KIND_LABELS, "organisers": ORGANISER_LABELS}


@bp.get("/")
@requires("training.read")
def index() -> str | tuple[str, int]:
    actor, db = current_actor(), get_session()
    this_year = history.fiscal_year_of(tokyo_today())
    year = number(request.args.get("year"), digits=4) or this_year
    page = page_number(request.args.get("page"))
    first, last = history.fiscal_year_bounds(year)
    statement = scoped(
        select(Training).where(Training.held_on >= first, Training.held_on <= last), actor
    ).order_by(Training.held_on.desc(), Training.id.desc())
    listing = paginate(db, statement, page or 1, PER_PAGE)
    html = render_template(
        "backoffice/training/index.html",
        listing=listing,
        year=year,
        years=range(this_year + 1, this_year - 6, -1),
        sees_all=sees_all(actor),
        **LABELS,
    )
    return (html, 400) if page is None else html


@bp.route("/new", methods=["GET", "POST"])
@requires("training.edit")
def new() -> Response | str | tuple[str, int]:
    db, actor = get_session(), current_actor()
    form = TrainingForm()
    form.set_staff(staff_pairs(db))
    if request.method == "GET" and not sees_all(actor) and actor.id is not None:
        form.participants.data = [actor.id]
    if form.validate_on_submit():
        try:
            training = records.create_training(db, form.values(), actor=actor)
        except records.TrainingError as error:
            attach_problems(form, error.problems, fallback="title")
        else:
            return done(training, "研修・情報交換会を記録しました。")
    status = 400 if form.errors or form.form_errors else 200
    return render_template("backoffice/training/form.html", form=form, record=None), status


@bp.get("/<int:training_id>")
@requires("training.read")
def detail(training_id: int) -> str:
    training = load_training(training_id)
    return detail_page(training)


def detail_page(training: Training, **forms: Any) -> str:
    db, actor = get_session(), current_actor()
    action_form = forms.get("action_form") or ActionForm(formdata=None)
    action_form.set_staff(staff_pairs(db))
    return render_template(
        "backoffice/training/detail.html",
        record=training,
        names=staff_names(db),
        may_edit=may_change(actor, training),
        material_form=forms.get("material_form") or MaterialForm(formdata=None),
        action_form=action_form,
        button=EmptyForm(formdata=None),
        limit_mb=material_limit() // (1024 * 1024),
        **LABELS,
    )


@bp.route("/<int:training_id>/edit", methods=["GET", "POST"])
@requires("training.edit")
def edit(training_id: int) -> Response | str | tuple[str, int]:
    db, actor = get_session(), current_actor()
    training = load_training_to_change(training_id)
    form = TrainingForm(obj=None) if request.method == "POST" else _filled(training)
    form.set_staff(staff_pairs(db, training.participant_ids))
    if form.validate_on_submit():
        try:
            records.update_training(
                db, training, form.values(), version=form.version.data, actor=actor
            )
        except records.ConflictError:
            db.rollback()
            again = url_for("training.edit", training_id=training_id)
            return render_template("backoffice/training/conflict.html", again=again), 409
        except records.TrainingError as error:
            attach_problems(form, error.problems, fallback="title")
        else:
            return done(training, "記録を保存しました。")
    status = 400 if form.errors or form.form_errors else 200
    return render_template("backoffice/training/form.html", form=form, record=training), status


def _filled(training: Training) -> TrainingForm:
    values = records.values_of(training)
    form = TrainingForm(formdata=None)
    form.held_on.data, form.kind.data = values.held_on, values.kind
    form.organiser.data, form.title.data = values.organiser, values.title
    form.participants.data, form.notes.data = values.participant_ids, values.notes
    form.version.data = training.version
    for entry, guest in zip(form.guests.entries, values.guests, strict=False):
        entry.form.organisation.data, entry.form.count.data = guest.organisation, str(guest.count)
    for guest in values.guests[len(form.guests.entries) :]:
        form.guests.append_entry({"organisation": guest.organisation, "count": str(guest.count)})
    return form
