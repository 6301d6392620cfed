"""Referral pages: the case list and search, intake with consent, the case, and editing it."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from backoffice.outreach import referral_link
from backoffice.referrals import intake as intake_service
from backoffice.referrals.assignment import case_staff
from backoffice.referrals.fields import EDITABLE, PART_LABELS
from backoffice.referrals.listing import DUE_WINDOWS, SORTS, CaseFilter, search_cases
from backoffice.referrals.models import STATUSES
from backoffice.referrals.scopes import sees_all_cases
from backoffice.referrals.sharing import shared_parts, unshared_fields
from backoffice.referrals.vocabulary import (
    DUE_KIND_LABELS,
    RISK_LABELS,
    STATUS_LABELS,
    TOPIC_LABELS,
)
from backoffice.referrals.workflow import ConflictError, check_version
from backoffice.staff.permissions import requires
from backoffice.views.referrals.case_page import case_context, conflict_page
from backoffice.views.referrals.forms import IntakeForm, SearchForm
from backoffice.views.referrals.pages import (
    aware,
    bp,
    duplicate_check_limit,
    load_case,
    now_local,
    staff_names,
)
from backoffice.web.context import current_actor
from backoffice.web.forms import attach_problems, choices, number
from core import audit
from core.db import get_session, utcnow
from core.pagination import page_number
from core.web import current_profile

TEXT_FIELDS = frozenset(
    name for name, spec in intake_service.Intake.__dataclass_fields__.items() if spec.default == ""
)


@bp.route("/")
@requires("referral.read")
def index() -> str:
    db = get_session()
    form = SearchForm(request.args)
    _search_choices(form, db)
    form.validate()
    actor = current_actor()
    full = sees_all_cases(actor)  # a liaison may not filter by what the consent may hide
    mine = form.view.data == "mine"
    # "My work" is ordered by what falls due first, unless another order is asked for.
    sort = form.sort.data if form.sort.data in SORTS else ("due" if mine and full else "received")
    form.sort.data = sort
    found = CaseFilter(
        case_number=(form.q.data or "")[:20],
        status=form.status.data or "",
        assigned_to=number(form.assigned_to.data) if full else None,
        district=(form.district.data or "") if full else "",
        risk=(form.risk.data or "") if full else "",
        received_from=None if form.received_from.errors else form.received_from.data,
        received_to=None if form.received_to.errors else form.received_to.data,
        mine=mine,
        due=(form.due.data or "") if full and form.due.data in DUE_WINDOWS else "",
        sort=sort if full else "received",
    )
    page = search_cases(
        db,
        actor,
        found,
        now=utcnow(),
        hours=current_app.config["TSUNAGU_SETTINGS"].urgent_contact_hours,
        page=page_number(request.args.get("page")) or 1,
    )
    audit.record(
        db, action="referral.list", actor=actor, object_type="referral",
        client_network=actor.network, reason=f"page {page.number}, {page.total} cases",
    )  # fmt: skip
    db.commit()
    return render_template(
        "backoffice/referrals/index.html",
        form=form,
        page=page,
        names=staff_names(db),
        statuses=STATUS_LABELS,
        due_kinds=DUE_KIND_LABELS,
        page_url=_page_url,
        full=full,
        mine=mine,
    )


def _page_url(number: int) -> str:
    """This list's address on page ``number``, with every filter kept."""
    args = request.args.to_dict(flat=False)
    args["page"] = [str(number)]
    return url_for(".index", **args)


def _search_choices(form: SearchForm, db: Session) -> None:
    every = [("", "すべて")]
    form.status.choices = choices(every + [(s, STATUS_LABELS[s]) for s in STATUSES])
    form.assigned_to.choices = choices(
        every + [(str(u.id), u.display_name) for u in case_staff(db)]
    )
    form.district.choices = choices(every + [(d, d) for d in current_profile().districts])
    form.risk.choices = choices([*every, *RISK_LABELS.items()])


@bp.route("/new", methods=["GET", "POST"])
@requires("referral.create")
@duplicate_check_limit
def new() -> Response | str | tuple[str, int]:
    """The same answer whether or not the contact details are on another case: only staff who
    may see both cases are told, on the case page."""
    db = get_session()
    form = IntakeForm()
    _intake_choices(form)
    # ?outreach=<id>: an outreach subject who agreed to help, its record filling the form in
    # (the consent is still asked here); the address keeps it for the POST.
    subject = None
    if "outreach" in request.args:
        wanted = number(request.args.get("outreach")) or 0
        subject = referral_link.convertible(db, wanted, current_actor())
    page = {"form": form, "from_subject": subject}
    if request.method == "GET":
        form.received_at.data = form.consented_at.data = now_local()
        if subject is not None:
            for name, value in referral_link.prefill(subject).items():
                form[name].data = value
            form.source_channel.data = "other"
        db.commit()  # the subject's audited read
        return render_template("backoffice/referrals/new.html", **page)
    if not form.validate():
        return render_template("backoffice/referrals/new.html", **page), 400
    try:
        referral = intake_service.create_referral(
            db,
            intake_service.as_intake(_intake_values(form)),
            creator=current_actor(),
            districts=current_profile().districts,
        )
    except intake_service.IntakeError as exc:
        db.rollback()
        attach_problems(form, exc.problems)
        return render_template("backoffice/referrals/new.html", **page), 400
    if subject is not None:  # both records point at each other, in the same transaction
        referral_link.link(db, subject, referral, actor=current_actor())
    db.commit()
    flash(f"{referral.case_number} として受け付けました。市の専任職員に引き継がれます。")
    return redirect(url_for(".detail", referral_id=referral.id))


def _intake_choices(form: IntakeForm) -> None:
    districts = [(d, d) for d in current_profile().districts]
    form.district.choices = choices([("", "不明・答えたくない"), *districts])
    form.problem_categories.choices = choices(TOPIC_LABELS)


def _intake_values(form: IntakeForm) -> dict[str, Any]:
    values = {name: field.data for name, field in form._fields.items()}
    for name in ("received_at", "consented_at"):
        values[name] = aware(values[name])
    for name, value in list(values.items()):
        if isinstance(value, str) or (value is None and name in TEXT_FIELDS):
            values[name] = (value or "").strip()
    values["agencies"] = [a for a in (values.get("agencies") or "").splitlines() if a.strip()]
    values["problem_categories"] = list(values.get("problem_categories") or [])
    return values


@bp.route("/<int:referral_id>")
@requires("referral.read")
def detail(referral_id: int) -> str:
    referral = load_case(referral_id)
    db = get_session()
    db.commit()  # the read's audit event
    source = referral_link.source_subject(db, referral.id, current_actor())
    return render_template(
        "backoffice/referrals/detail.html", **case_context(db, referral), outreach_source=source
    )


@bp.route("/<int:referral_id>/edit", methods=["GET", "POST"])
@requires("referral.edit")
@duplicate_check_limit
def edit(referral_id: int) -> Response | str | tuple[str, int]:
    """The page has no fields for what the consent does not cover; the service refuses them
    whatever is sent."""
    db = get_session()
    referral = load_case(referral_id, why="edit")
    form = IntakeForm(obj=None if request.method == "POST" else referral)
    _intake_choices(form)
    parts = shared_parts(referral.consent)
    missing = [label for part, label in PART_LABELS.items() if part not in parts]
    page = {"form": form, "referral": referral, "parts": parts, "missing": missing}
    if request.method == "GET":
        form.agencies.data = ""
        db.commit()
        return render_template("backoffice/referrals/edit.html", **page)
    submitted = _submitted(form, unshared_fields(parts))
    try:
        check_version(referral, number(request.form.get("version")))
    except ConflictError:
        db.commit()  # keep the read's audit event
        return conflict_page(referral, submitted)
    invalid = [  # each its message; a field the page does not show is the service's to refuse
        name for name in EDITABLE if name in request.form or name not in unshared_fields(parts)
        if not form[name].validate(form)
    ]  # fmt: skip
    districts = current_profile().districts
    problems = intake_service.validate_person(submitted, districts=districts, parts=parts)
    if problems or invalid:
        db.commit()  # the read's audit event stays: the page below shows the case's data
        attach_problems(form, problems)
        return render_template("backoffice/referrals/edit.html", **page), 400
    intake_service.update_person(db, referral, submitted, actor=current_actor())
    db.commit()
    flash("保存しました。")
    return redirect(url_for(".detail", referral_id=referral.id))


def _submitted(form: IntakeForm, unshared: dict[str, Any]) -> dict[str, Any]:
    """The edit form's values; a field the consent does not cover and the page did not send
    counts as empty (the page has no field for it)."""
    return {
        name: unshared[name]
        if name in unshared and name not in request.form
        else ((form[name].data or "") if name in TEXT_FIELDS else form[name].data)
        for name in EDITABLE
    }
