"""Referral pages: the case list and search, intake with consent, the case, and editing it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from backoffice.referrals import duplicates
from backoffice.referrals import intake as intake_service
from backoffice.referrals.assignment import case_staff, liaisons
from backoffice.referrals.duplicates import duplicate_notices
from backoffice.referrals.guard import AnonymisedCaseError
from backoffice.referrals.listing import CaseFilter, search_cases
from backoffice.referrals.models import STATUSES, FollowUp, Referral
from backoffice.referrals.scopes import Viewer, liaison_fields, open_referral, viewer_for
from backoffice.referrals.sharing import PART_FIELDS, PART_LABELS, shared_parts, unshared_fields
from backoffice.referrals.timeline import timeline
from backoffice.referrals.workflow import STATUS_LABELS, ConflictError, allowed_next, check_version
from backoffice.staff.models import StaffUser
from backoffice.staff.permissions import requires
from backoffice.views.referrals.casework import panel
from backoffice.views.referrals.forms import (
    AGE_LABELS,
    CONSENT_METHOD_LABELS,
    GENDER_LABELS,
    METHOD_LABELS,
    SOURCE_LABELS,
    AssignForm,
    ContactForm,
    EmergencyForm,
    ExtendSharingForm,
    FollowUpForm,
    IntakeForm,
    MemberForm,
    NoteForm,
    SearchForm,
    StatusForm,
    WithdrawForm,
)
from backoffice.views.referrals.records import legal_hold_form
from backoffice.web.context import current_actor
from backoffice.web.forms import choices, number
from backoffice.web.ratelimit import limiter
from core import audit
from core.db import get_session
from core.timezone import TOKYO
from core.web import current_profile
from directory.topics import TOPICS

bp = Blueprint("referrals", __name__, url_prefix="/referrals")
TEXT_FIELDS = frozenset(
    name for name, spec in intake_service.Intake.__dataclass_fields__.items() if spec.default == ""
)
EDITABLE = (
    "person_name", "person_kana", "pseudonym", "age_band", "gender", "district", "phone",
    "line_name", "email", "preferred_method", "preferred_times", "callback_may_identify",
    "problem_categories", "risk_level", "urgent", "wants", "summary", "assessment",
)  # fmt: skip


def viewer() -> Viewer:
    return viewer_for(g.staff_user)


def load_case(referral_id: int, why: str = "view") -> Referral:
    """The case in the signed-in user's scope, its read audited; 404 otherwise."""
    referral = open_referral(
        get_session(), referral_id, viewer(), network=current_actor().network, why=why
    )
    if referral is None:
        abort(404)
    return referral


def staff_names(db: Session) -> dict[int, str]:
    return {
        row.id: row.display_name for row in db.execute(select(StaffUser.id, StaffUser.display_name))
    }


@bp.app_errorhandler(AnonymisedCaseError)
def closed_case(error: AnonymisedCaseError) -> tuple[str, int]:
    """Any change to an anonymised case, wherever it came from: refused, nothing written."""
    get_session().rollback()
    return render_template("backoffice/referrals/closed.html", message=str(error)), 409


@bp.app_errorhandler(StaleDataError)
def saved_meanwhile(error: StaleDataError) -> tuple[str, int]:
    """Two saves of one version at the same moment: the later one is refused, not merged."""
    get_session().rollback()
    return render_template("backoffice/referrals/stale.html"), 409


@bp.route("/")
@requires("referral.read")
def index() -> str:
    db = get_session()
    form = SearchForm(request.args)
    _search_choices(form, db)
    form.validate()
    full = viewer().full  # a liaison may not filter by what the consent may hide
    found = CaseFilter(
        case_number=(form.q.data or "")[:20],
        status=form.status.data or "",
        assigned_to=number(form.assigned_to.data) if full else None,
        district=(form.district.data or "") if full else "",
        risk=(form.risk.data or "") if full else "",
        received_from=None if form.received_from.errors else form.received_from.data,
        received_to=None if form.received_to.errors else form.received_to.data,
    )
    page = search_cases(db, viewer(), found, page=_page())
    audit.record(
        db, action="referral.list", actor=viewer(), object_type="referral",
        client_network=current_actor().network, reason=f"page {page.page}, {page.total} cases",
    )  # fmt: skip
    db.commit()
    return render_template(
        "backoffice/referrals/index.html",
        form=form,
        page=page,
        names=staff_names(db),
        statuses=STATUS_LABELS,
        page_url=_page_url,
        who=viewer(),
    )


def _page() -> int:
    raw = request.args.get("page", "1")
    return number(raw, digits=5) or 1


def _page_url(number: int) -> str:
    args = request.args.to_dict()
    args["page"] = str(number)
    return url_for(".index", **args)


def _search_choices(form: SearchForm, db: Session) -> None:
    every = [("", "すべて")]
    form.status.choices = choices(every + [(s, STATUS_LABELS[s]) for s in STATUSES])
    form.assigned_to.choices = choices(
        every + [(str(u.id), u.display_name) for u in case_staff(db)]
    )
    form.district.choices = choices(every + [(d, d) for d in current_profile().districts])
    form.risk.choices = choices([*every, ("high", "高い"), ("medium", "中くらい"), ("low", "低い")])


@bp.errorhandler(RateLimitExceeded)
def too_many_checks(error: RateLimitExceeded) -> tuple[str, int]:
    """Too many cases stored or edited in a row: refused before the view ran, nothing stored.
    (Only this blueprint's limit: the sign-in pages keep their own 429 page.)"""
    return render_template("backoffice/referrals/too_many.html"), 429


def _signed_in_user() -> str:
    """The limit's key: the user (decorated limits are checked when the view is called, after
    the gate has put the user on ``g``)."""
    return f"referral-user:{g.staff_user.id}"


# Each stored case checks its contact details against every other case (`duplicates`): limited
# per user, counting only the saves that checked, so that nobody can probe many numbers.
duplicate_check_limit = limiter.limit(
    lambda: duplicates.CHECKS_PER_USER,
    key_func=_signed_in_user,
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 302,
)


@bp.route("/new", methods=["GET", "POST"])
@requires("referral.create")
@duplicate_check_limit
def new() -> Response | str | tuple[str, int]:
    """The same answer whether or not the contact details are on another case: only staff who
    may see both cases are told, on the case page."""
    db = get_session()
    form = IntakeForm()
    _intake_choices(form)
    if request.method == "GET":
        form.received_at.data = form.consented_at.data = _now_local()
        return render_template("backoffice/referrals/new.html", form=form)
    if not form.validate():
        return render_template("backoffice/referrals/new.html", form=form), 400
    try:
        referral = intake_service.create_referral(
            db,
            intake_service.as_intake(_intake_values(form)),
            creator=viewer(),
            districts=current_profile().districts,
            network=current_actor().network,
        )
    except intake_service.IntakeError as exc:
        db.rollback()
        _attach(form, exc.problems)
        return render_template("backoffice/referrals/new.html", form=form), 400
    db.commit()
    flash(f"{referral.case_number} として受け付けました。市の専任職員に引き継がれます。")
    return redirect(url_for(".detail", referral_id=referral.id))


def _intake_choices(form: IntakeForm) -> None:
    districts = [(d, d) for d in current_profile().districts]
    form.district.choices = choices([("", "不明・答えたくない"), *districts])
    form.problem_categories.choices = choices([(t.slug, t.ja) for t in TOPICS])


def _now_local() -> datetime:
    return datetime.now(UTC).astimezone(_tokyo()).replace(tzinfo=None, second=0, microsecond=0)


def _tokyo():

    return TOKYO


def aware(value: datetime | None) -> datetime | None:
    """A form's local date-time (Tokyo wall clock) as an aware UTC value."""
    if value is None:
        return None
    return value.replace(tzinfo=_tokyo()).astimezone(UTC)


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


def _attach(form: Any, problems: dict[str, str]) -> None:
    for name, message in problems.items():
        target = getattr(form, name, None)
        if target is not None:
            if message not in target.errors:  # the form's own check may have said it already
                target.errors = [*list(target.errors), message]
        else:
            flash(message)


@bp.route("/<int:referral_id>")
@requires("referral.read")
def detail(referral_id: int) -> str:
    referral = load_case(referral_id)
    db = get_session()
    get_session().commit()  # the read's audit event
    return render_template("backoffice/referrals/detail.html", **case_context(db, referral))


def case_context(db: Session, referral: Referral, **forms: Any) -> dict[str, Any]:
    """Everything the case page shows, shaped by what the viewer may see."""
    who = viewer()
    allowed = None if who.full else liaison_fields(referral)
    context: dict[str, Any] = {
        "referral": referral,
        "who": who,
        "may": (lambda field: allowed is None or field in allowed),
        "names": staff_names(db),
        "statuses": STATUS_LABELS,
        "timeline": timeline(db, referral, who),
        "follow_ups": db.scalars(
            select(FollowUp).where(FollowUp.referral_id == referral.id).order_by(FollowUp.held_on)
        ).all(),
        "section": current_profile().section,
        "topics": {t.slug: t.ja for t in TOPICS},
        "labels": {
            "age": AGE_LABELS,
            "gender": GENDER_LABELS,
            "method": METHOD_LABELS,
            "consent": CONSENT_METHOD_LABELS,
            "source": SOURCE_LABELS,
        },
        "withdraw_form": forms.get("withdraw_form") or WithdrawForm(),
        "sharing_form": forms.get("sharing_form") or sharing_form(referral),
        "unshared": unshared_fields(shared_parts(referral.consent)),
        "part_labels": PART_LABELS,
        "follow_up_form": forms.get("follow_up_form") or FollowUpForm(),
    }
    if who.full:
        context.update(_full_context(db, referral, forms))
    if who.supervisor:
        context["hold_form"] = legal_hold_form(referral)
    return context


def _full_context(db: Session, referral: Referral, forms: dict[str, Any]) -> dict[str, Any]:
    status_form = forms.get("status_form") or StatusForm(version=referral.version)
    following = allowed_next(referral.status)
    status_form.status.choices = choices([(s, STATUS_LABELS[s]) for s in following])
    assign_form = forms.get("assign_form") or AssignForm(
        version=referral.version, assigned_to=referral.assigned_to_id
    )
    assign_form.assigned_to.choices = choices([(u.id, u.display_name) for u in case_staff(db)])
    member_form = forms.get("member_form") or MemberForm()
    member_form.staff_user.choices = choices([(u.id, u.display_name) for u in liaisons(db)])
    return {
        **panel(db, referral),
        "status_form": status_form,
        "assign_form": assign_form,
        "member_form": member_form,
        "note_form": forms.get("note_form") or NoteForm(),
        "contact_form": forms.get("contact_form") or ContactForm(),
        "emergency_form": forms.get("emergency_form") or EmergencyForm(),
        "duplicates": duplicate_notices(db, referral, viewer()),
    }


def sharing_form(referral: Referral, formdata: Any = None) -> ExtendSharingForm:
    """The form that extends the consent, offering only the parts not shared yet."""
    form = ExtendSharingForm(formdata=formdata)
    missing = [p for p in PART_FIELDS if p not in shared_parts(referral.consent)]
    form.parts.choices = choices([(p, PART_LABELS[p]) for p in missing])
    return form


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
        check_version(referral, _int(request.form.get("version")))
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
        _attach(form, problems)
        return render_template("backoffice/referrals/edit.html", **page), 400
    intake_service.update_person(db, referral, submitted, actor=viewer(),
                                 network=current_actor().network)  # fmt: skip
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


def conflict_page(referral: Referral, submitted: dict[str, Any]) -> tuple[str, int]:
    """Someone saved the case meanwhile: show what differs; nothing was overwritten."""
    labels = {name: str(field.label.text) for name, field in IntakeForm()._fields.items()}
    labels |= {"status": "状態", "assigned_to_id": "担当の職員", "acknowledged_at": "受け取り確認"}
    names = staff_names(get_session())
    differences = [
        (labels.get(name, name), _shown(value, names), _shown(getattr(referral, name), names))
        for name, value in submitted.items()
        if (value or None) != (getattr(referral, name) or None)
    ]
    return render_template(
        "backoffice/referrals/conflict.html", referral=referral, differences=differences
    ), 409


def _shown(value: Any, names: dict[int, str]) -> str:
    """A stored or submitted value as staff read it."""
    topics = {t.slug: t.ja for t in TOPICS}
    codes = {**STATUS_LABELS, **AGE_LABELS, **GENDER_LABELS, **METHOD_LABELS, **topics}
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, datetime):
        return value.astimezone(_tokyo()).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, int):
        return names.get(value, str(value))
    if isinstance(value, list | tuple):
        return "、".join(codes.get(str(v), str(v)) for v in value) or "—"
    return codes.get(str(value), str(value))


def _int(raw: str | None) -> int | None:
    return number(raw)
