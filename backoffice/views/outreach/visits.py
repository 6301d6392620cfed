"""Outreach pages of a subject's visits and other contacts (planned, then recorded done with
their result), and of guidance cards handed out on their own."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from backoffice.outreach import visits
from backoffice.outreach.handouts import record_handout
from backoffice.outreach.vocabulary import HANDOUT_KIND_LABELS
from backoffice.staff.permissions import requires
from backoffice.views.outreach.forms import CHOOSE, ContactForm, HandoutForm
from backoffice.views.outreach.pages import bp, done, load_contact, load_subject
from backoffice.views.outreach.subject_page import batch_choices, subject_page
from backoffice.web.context import current_actor
from backoffice.web.forms import attach_problems, choices
from core.db import get_session
from core.problems import ProblemsError
from core.timezone import tokyo_today

Page = Response | str | tuple[str, int]


def _contact_input(form: ContactForm) -> visits.ContactInput:
    return visits.ContactInput(
        kind=form.kind.data or "",
        planned_on=form.planned_on.data,
        done_on=form.done_on.data,
        staff_id=form.staff_id.data,
        result=form.result.data or "",
        note=form.note.data or "",
        next_step=form.next_step.data or "",
        next_on=form.next_on.data,
        batch_id=form.batch_id.data,
        cards=form.cards.data or 0,
    )


@bp.route("/<int:subject_id>/contacts", methods=["POST"])
@requires("outreach.edit")
def add_contact(subject_id: int) -> Page:
    db = get_session()
    subject = load_subject(subject_id, why="contact")
    form = ContactForm()
    if not form.validate():
        return subject_page(subject, 400, contact_form=form)
    try:
        visits.add_contact(db, subject, _contact_input(form), actor=current_actor())
    except ProblemsError as exc:
        db.rollback()
        subject = load_subject(subject_id)
        attach_problems(form, exc.problems)
        return subject_page(subject, 400, contact_form=form)
    return done(subject, "訪問・連絡を記録しました。")


@bp.route("/<int:subject_id>/contacts/<int:contact_id>/done", methods=["POST"])
@requires("outreach.edit")
def contact_done(subject_id: int, contact_id: int) -> Page:
    db = get_session()
    subject = load_subject(subject_id, why="contact")
    contact = load_contact(subject, contact_id)
    form = ContactForm(prefix="done")
    if not form.validate():
        return subject_page(subject, 400, done_form=form, done_for=contact.id)
    try:
        visits.record_done(db, subject, contact, _contact_input(form), actor=current_actor())
    except ProblemsError as exc:
        db.rollback()
        subject = load_subject(subject_id)
        attach_problems(form, exc.problems)
        return subject_page(subject, 400, done_form=form, done_for=contact_id)
    return done(subject, "実施した結果を記録しました。")


@bp.route("/handouts", methods=["GET", "POST"])
@requires("outreach.edit")
def handouts() -> Page:
    db = get_session()
    form = HandoutForm()
    form.batch_id.choices = choices([CHOOSE, *batch_choices(db)])
    if request.method == "POST" and form.validate():
        try:
            record_handout(
                db, batch_id=form.batch_id.data, kind=form.kind.data or "",
                count=form.count.data, handed_on=form.handed_on.data, actor=current_actor(),
            )  # fmt: skip
        except ProblemsError as exc:
            db.rollback()
            attach_problems(form, exc.problems)
        else:
            db.commit()
            flash("配ったカードを記録しました。")
            return redirect(url_for(".handouts"))
    if request.method == "GET":
        form.handed_on.data = tokyo_today()
    status = 400 if request.method == "POST" else 200
    return render_template(
        "backoffice/outreach/handouts.html", form=form, kinds=HANDOUT_KIND_LABELS
    ), status
