"""Outreach pages: the list (with the planned visits not made in time), a new subject, the
subject, editing it, its status, its contacts, cards handed out, export and legal hold."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from backoffice.outreach import records, subjects, visits
from backoffice.outreach.handouts import record_handout
from backoffice.outreach.listing import list_subjects
from backoffice.outreach.matches import match_notices
from backoffice.outreach.models import OPEN_STATUSES, STATUSES, CardHandout, OutreachSubject
from backoffice.outreach.status import allowed_next, change_status
from backoffice.outreach.subjects import ConflictError, SubjectInput
from backoffice.outreach.vocabulary import (
    AGENCY_KIND_LABELS,
    CONCERN_LABELS,
    CONTACT_KIND_LABELS,
    CONTACT_RESULT_LABELS,
    END_REASON_LABELS,
    HANDOUT_KIND_LABELS,
    LEGAL_BASIS_LABELS,
    STATUS_LABELS,
)
from backoffice.staff.models import StaffUser
from backoffice.staff.permissions import requires
from backoffice.views.outreach.forms import (
    CHOOSE,
    REASON_HINT,
    ContactForm,
    ExportForm,
    HandoutForm,
    HoldForm,
    SearchForm,
    StatusForm,
    SubjectForm,
)
from backoffice.views.outreach.pages import bp, done, load_contact, load_subject, staff_names
from backoffice.web.context import current_actor
from backoffice.web.forms import attach_problems, choices, number
from cards.models import CardBatch
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
        overdue=visits.overdue_contacts(db, tokyo_today()),
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


def _batches(db: Session) -> list[tuple[str, str]]:
    rows = db.execute(
        select(CardBatch.id, CardBatch.code, CardBatch.quantity)
        .where(CardBatch.retired_at.is_(None), CardBatch.purpose != "public_download")
        .order_by(CardBatch.id.desc())
    )
    return [(str(r.id), f"{r.code}（{r.quantity}枚）") for r in rows]


def _staff(db: Session) -> list[tuple[str, str]]:
    rows = db.execute(select(StaffUser.id, StaffUser.display_name).order_by(StaffUser.id))
    return [(str(r.id), r.display_name) for r in rows]


def _contact_choices(form: ContactForm, db: Session) -> None:
    form.staff_id.choices = choices([("", "自分"), *_staff(db)])
    form.batch_id.choices = choices([("", "配っていない"), *_batches(db)])


def _detail(subject: OutreachSubject, status: int = 200, **forms: Any) -> tuple[str, int]:
    db = get_session()
    actor = current_actor()
    contact_form = forms.get("contact_form") or ContactForm(formdata=None)
    _contact_choices(contact_form, db)
    done_form = forms.get("done_form") or ContactForm(formdata=None, prefix="done")
    _contact_choices(done_form, db)
    status_form = forms.get("status_form") or StatusForm(formdata=None, version=subject.version)
    status_form.status.choices = choices(
        [CHOOSE, *[(s, STATUS_LABELS[s]) for s in allowed_next(subject.status)]]
    )
    organization = (
        db.get(Organization, subject.agency_organization_id)
        if subject.agency_organization_id
        else None
    )
    handouts = {
        h.contact_id: h
        for h in db.scalars(
            select(CardHandout).where(CardHandout.contact_id.in_([c.id for c in subject.contacts]))
        )
    }
    page = render_template(
        "backoffice/outreach/detail.html",
        subject=subject,
        organization=organization,
        notices=match_notices(db, subject, actor),
        names=staff_names(db),
        handouts=handouts,
        batch_codes={int(k): v for k, v in _batches(db)},
        contact_form=contact_form,
        done_form=done_form,
        done_for=forms.get("done_for") or _planned(subject, request.args.get("done")),
        status_form=status_form,
        hold_form=HoldForm(formdata=None, prefix="hold", state="0" if subject.legal_hold else "1"),
        statuses=STATUS_LABELS,
        agency_kinds=AGENCY_KIND_LABELS,
        concerns=CONCERN_LABELS,
        bases=LEGAL_BASIS_LABELS,
        contact_kinds=CONTACT_KIND_LABELS,
        results=CONTACT_RESULT_LABELS,
        end_reasons=END_REASON_LABELS,
        may_convert=actor.may("referral.create")
        and subject.status in OPEN_STATUSES
        and subject.linked_referral_id is None
        and subject.anonymised_at is None,
        may_hold=actor.may("referral.supervise"),
        reason_hint=REASON_HINT,
    )
    db.commit()  # the read's audit event (and a shown match's)
    return page, status


def _planned(subject: OutreachSubject, raw: str | None) -> int | None:
    """The planned contact whose result the page asks for (``?done=<id>``), if it is one."""
    wanted = number(raw)
    return next((c.id for c in subject.contacts if c.id == wanted and c.done_on is None), None)


@bp.route("/<int:subject_id>")
@requires("outreach.read")
def detail(subject_id: int) -> tuple[str, int]:
    return _detail(load_subject(subject_id))


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
        return _detail(subject, 400, status_form=form)
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
        return _detail(subject, 400, status_form=form)
    return done(subject, f"状態を「{STATUS_LABELS[subject.status]}」にしました。")


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
        return _detail(subject, 400, contact_form=form)
    try:
        visits.add_contact(db, subject, _contact_input(form), actor=current_actor())
    except ProblemsError as exc:
        db.rollback()
        subject = load_subject(subject_id)
        attach_problems(form, exc.problems)
        return _detail(subject, 400, contact_form=form)
    return done(subject, "訪問・連絡を記録しました。")


@bp.route("/<int:subject_id>/contacts/<int:contact_id>/done", methods=["POST"])
@requires("outreach.edit")
def contact_done(subject_id: int, contact_id: int) -> Page:
    db = get_session()
    subject = load_subject(subject_id, why="contact")
    contact = load_contact(subject, contact_id)
    form = ContactForm(prefix="done")
    if not form.validate():
        return _detail(subject, 400, done_form=form, done_for=contact.id)
    try:
        visits.record_done(db, subject, contact, _contact_input(form), actor=current_actor())
    except ProblemsError as exc:
        db.rollback()
        subject = load_subject(subject_id)
        attach_problems(form, exc.problems)
        return _detail(subject, 400, done_form=form, done_for=contact_id)
    return done(subject, "実施した結果を記録しました。")


@bp.route("/handouts", methods=["GET", "POST"])
@requires("outreach.edit")
def handouts() -> Page:
    db = get_session()
    form = HandoutForm()
    form.batch_id.choices = choices([CHOOSE, *_batches(db)])
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


@bp.route("/<int:subject_id>/export", methods=["GET", "POST"])
@requires("outreach.edit")
def export(subject_id: int) -> Response | tuple[str, int]:
    db = get_session()
    form = ExportForm()
    subject = load_subject(subject_id, "export" if request.method == "POST" else "export form")
    db.commit()
    if form.validate_on_submit():
        try:
            exported = records.export_subject(
                db, subject, actor=current_actor(), reason=form.reason.data or ""
            )
        except records.RecordsError as error:
            db.rollback()
            form.reason.errors = [*form.reason.errors, str(error)]
        else:
            db.commit()
            response = current_app.response_class(exported.body, mimetype=exported.mimetype)
            response.headers["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
            return response
    db.commit()
    status = 400 if request.method == "POST" else 200
    return render_template(
        "backoffice/outreach/export.html", subject=subject, form=form, reason_hint=REASON_HINT
    ), status


@bp.route("/<int:subject_id>/legal-hold", methods=["POST"])
@requires("referral.supervise")
def legal_hold(subject_id: int) -> Response:
    db = get_session()
    subject = load_subject(subject_id, why="legal hold")
    form = HoldForm(prefix="hold")
    if not form.validate():
        db.commit()
        flash("法的保全を変更する理由を入力してください。")
        return redirect(url_for(".detail", subject_id=subject_id))
    try:
        changed = records.set_legal_hold(
            db, subject, form.state.data == "1", actor=current_actor(),
            reason=form.reason.data or "",
        )  # fmt: skip
    except records.RecordsError as error:
        db.commit()
        flash(str(error))
        return redirect(url_for(".detail", subject_id=subject_id))
    db.commit()
    if not changed:
        flash("法的保全の状態はすでにその通りです。")
    elif subject.legal_hold:
        flash(f"{subject.subject_number} を法的保全にしました。保全中は匿名化されません。")
    else:
        flash(f"{subject.subject_number} の法的保全を解除しました。")
    return redirect(url_for(".detail", subject_id=subject_id))
