"""Outreach pages of the subjects themselves: the list (with the planned visits not made in
time), a new subject, the subject, editing it and its status. Its contacts and cards are in
``visits``, export and legal hold in ``records``."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from backoffice.outreach import subjects
from backoffice.outreach.listing import list_subjects
from backoffice.outreach.models import STATUSES
from backoffice.outreach.status import change_status
from backoffice.outreach.subjects import ConflictError, SubjectInput
from backoffice.outreach.visits import overdue_contacts
from backoffice.outreach.vocabulary import (
    AGENCY_KIND_LABELS,
    CONCERN_LABELS,
    CONTACT_KIND_LABELS,
    STATUS_LABELS,
)
from backoffice.staff.permissions import requires
from backoffice.views.outreach.forms import SearchForm, StatusForm, SubjectForm
from backoffice.views.outreach.pages import bp, done, load_subject, staff_names
from backoffice.views.outreach.subject_page import subject_page
from backoffice.web.context import current_actor
from backoffice.web.forms import attach_problems, choices
from core import audit
from core.db import get_session
from core.pagination import page_number
from core.problems import ProblemsError
from core.timezone import tokyo_today
from core.web import current_profile
from directory.models import Organization

Page = Response | str | tuple[str, int]


@bp.route("/")
@requires("outreach.read")
def index() -> str:
    db = get_session()
    form = SearchForm(request.args)
    every = [("", "すべて")]
    form.status.choices = choices(every + [(s, STATUS_LABELS[s]) for s in STATUSES])
    form.district.choices = choices(every + [(d, d) for d in current_profile().districts])
    form.validate()
    page = list_subjects(
        db,
        status=form.status.data or "" if not form.status.errors else "",
        district=form.district.data or "" if not form.district.errors else "",
        page=page_number(request.args.get("page")) or 1,
    )
    actor = current_actor()
    audit.record(
        db, action="outreach.list", actor=actor, object_type="outreach_subject",
        client_network=actor.network, reason=f"page {page.number}, {page.total} subjects",
    )  # fmt: skip
    db.commit()
    return render_template(
        "backoffice/outreach/index.html",
        form=form,
        page=page,
        overdue=overdue_contacts(db, tokyo_today()),
        names=staff_names(db),
        statuses=STATUS_LABELS,
        agency_kinds=AGENCY_KIND_LABELS,
        contact_kinds=CONTACT_KIND_LABELS,
        page_url=_page_url,
    )


def _page_url(number: int) -> str:
    args = request.args.to_dict(flat=False)
    args["page"] = [str(number)]
    return url_for(".index", **args)


def _organizations(db: Session) -> list[tuple[str, str]]:
    return [
        (r.id, r.name)
        for r in db.execute(select(Organization.id, Organization.name).order_by(Organization.name))
    ]


def _subject_choices(form: SubjectForm, db: Session) -> set[str]:
    organizations = _organizations(db)
    form.agency_organization_id.choices = choices([("", "一覧にない（下に入力）"), *organizations])
    form.concern.choices = choices(CONCERN_LABELS)
    districts = [(d, d) for d in current_profile().districts]
    form.district.choices = choices([("", "不明"), *districts])
    return {key for key, _ in organizations}


def _input(form: SubjectForm) -> SubjectInput:
    def text(name: str) -> str:
        return (form[name].data or "").strip()

    return SubjectInput(
        received_on=form.received_on.data,
        agency_kind=form.agency_kind.data or "",
        legal_basis=form.legal_basis.data or "",
        agency_organization_id=form.agency_organization_id.data or "",
        concern=list(form.concern.data or []),
        district=form.district.data or "",
        **{name: text(name) for name in subjects.PERSONAL},
    )


@bp.route("/new", methods=["GET", "POST"])
@requires("outreach.edit")
def new() -> Page:
    db = get_session()
    form = SubjectForm()
    organizations = _subject_choices(form, db)
    if request.method == "GET":
        form.received_on.data = tokyo_today()
        return render_template("backoffice/outreach/form.html", form=form, subject=None)
    if not form.validate():
        return render_template("backoffice/outreach/form.html", form=form, subject=None), 400
    try:
        subject = subjects.create_subject(
            db, _input(form), actor=current_actor(),
            districts=current_profile().districts, organizations=organizations,
        )  # fmt: skip
    except subjects.OutreachError as exc:
        db.rollback()
        attach_problems(form, exc.problems)
        return render_template("backoffice/outreach/form.html", form=form, subject=None), 400
    db.commit()
    flash(f"{subject.subject_number} として記録しました。")
    return redirect(url_for(".detail", subject_id=subject.id))


@bp.route("/<int:subject_id>")
@requires("outreach.read")
def detail(subject_id: int) -> tuple[str, int]:
    return subject_page(load_subject(subject_id))


@bp.route("/<int:subject_id>/edit", methods=["GET", "POST"])
@requires("outreach.edit")
def edit(subject_id: int) -> Page:
    db = get_session()
    subject = load_subject(subject_id, why="edit")
    form = SubjectForm(obj=None if request.method == "POST" else subject)
    organizations = _subject_choices(form, db)
    if request.method == "GET":
        form.version.data = subject.version
        db.commit()
        return render_template("backoffice/outreach/form.html", form=form, subject=subject)
    if not form.validate():
        db.commit()
        return render_template("backoffice/outreach/form.html", form=form, subject=subject), 400
    try:
        subjects.update_subject(
            db, subject, _input(form), actor=current_actor(),
            expected_version=form.version.data, districts=current_profile().districts,
            organizations=organizations,
        )  # fmt: skip
    except ConflictError:
        db.rollback()
        flash(
            "ほかの職員がこの記録を先に変更しました。最新の内容を確かめてから、もう一度入力してください。"
        )
        return redirect(url_for(".detail", subject_id=subject_id))
    except ProblemsError as exc:
        db.rollback()
        subject = load_subject(subject_id, why="edit")
        attach_problems(form, exc.problems)
        db.commit()
        return render_template("backoffice/outreach/form.html", form=form, subject=subject), 400
    return done(subject, "保存しました。")


@bp.route("/<int:subject_id>/status", methods=["POST"])
@requires("outreach.edit")
def status(subject_id: int) -> Page:
    db = get_session()
    subject = load_subject(subject_id, why="status")
    form = StatusForm()
    form.status.choices = choices(STATUS_LABELS)
    if not form.validate():
        return subject_page(subject, 400, status_form=form)
    try:
        change_status(
            db, subject, form.status.data or "", actor=current_actor(),
            expected_version=form.version.data, reason=form.reason.data or "",
            end_reason=form.end_reason.data or "",
        )  # fmt: skip
    except ConflictError:
        db.rollback()
        flash("ほかの職員がこの記録を先に変更しました。最新の状態を確かめてください。")
        return redirect(url_for(".detail", subject_id=subject_id)), 409  # type: ignore[return-value]
    except ProblemsError as exc:
        db.rollback()
        subject = load_subject(subject_id)
        attach_problems(form, exc.problems)
        return subject_page(subject, 400, status_form=form)
    return done(subject, f"状態を「{STATUS_LABELS[subject.status]}」にしました。")
