"""Directory editing for the `editor` role: services, their channels and hours, organisations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from backoffice.context import current_actor
from backoffice.directory_forms import (
    ChannelForm,
    ExceptionForm,
    LocationForm,
    NewServiceForm,
    OrganizationForm,
    ServiceAreaForm,
    ServiceForm,
    SynonymForm,
    WeeklyHoursForm,
)
from backoffice.forms import EmptyForm
from backoffice.permissions import requires
from core.db import get_session
from core.web import current_profile
from directory import editing
from directory.models import Organization, Schedule, Service, TaxonomyTerm
from directory.search.reindex import reindex

bp = Blueprint("directory_admin", __name__, url_prefix="/directory")
TOKYO = ZoneInfo("Asia/Tokyo")


def _service(service_id: str) -> Service:
    service = editing.load_for_edit(get_session(), service_id)
    if service is None:
        abort(404)
    return service


def _organization_choices(db: Session) -> list[tuple[str, str]]:
    return [(o.id, o.name) for o in db.scalars(select(Organization).order_by(Organization.name))]


def _terms(db: Session) -> list[TaxonomyTerm]:
    return list(db.scalars(select(TaxonomyTerm).order_by(TaxonomyTerm.sort_order)))


def _today():
    return datetime.now(TOKYO).date()


def _after_change(db: Session, service: Service) -> None:
    """Keep derived data (the search index) in step with an edit, in the same transaction."""
    db.flush()
    reindex(db, [service])


@bp.route("/")
@requires("directory.edit")
def index() -> str:
    db = get_session()
    status = request.args.get("status", "")
    query = select(Service).order_by(Service.area, Service.sort_order, Service.name)
    if status in ("draft", "published", "archived"):
        query = query.where(Service.status == status)
    days = current_app.config["TSUNAGU_SETTINGS"].directory_stale_days
    return render_template(
        "backoffice/directory/index.html",
        services=db.scalars(query).all(),
        to_verify=editing.services_to_verify(db),
        stale=editing.stale_services(db, days=days, today=_today()),
        stale_days=days,
        status=status,
    )


@bp.route("/services/new", methods=["GET", "POST"])
@requires("directory.edit")
def new_service() -> Response | tuple[str, int]:
    db = get_session()
    form = NewServiceForm()
    form.organization_id.choices = _organization_choices(db)
    if form.validate_on_submit():
        organization = db.get(Organization, form.organization_id.data)
        if organization is None:
            abort(400)
        service = editing.create_service(
            db, organization, form.name.data or "", editor=g.staff_user,
            network=current_actor().network,
        )  # fmt: skip
        return _saved(db, service, "下書きとして作成しました。内容を入力して公開してください。")
    return render_template("backoffice/directory/new_service.html", form=form), (
        400 if form.errors else 200
    )


@bp.route("/services/<service_id>", methods=["GET", "POST"])
@requires("directory.edit")
def edit_service(service_id: str) -> Response | tuple[str, int]:
    db, service = get_session(), _service(service_id)
    terms = _terms(db)
    form = ServiceForm(obj=service)
    form.organization_id.choices = _organization_choices(db)
    form.topics.choices = [(t.code, t.name) for t in terms]
    if not form.is_submitted():
        form.topics.data = [t.code for t in service.topics]
        form.audiences.data = list(service.audiences)
    elif form.validate():
        values = {name: getattr(form, name).data for name in editing.EDITABLE_FIELDS}
        values["anonymous"] = True if form.anonymous.data else None
        chosen = [t for t in terms if t.code in set(form.topics.data or [])]
        try:
            changes = editing.update_service(
                db, service, values, topics=chosen, editor=g.staff_user,
                network=current_actor().network,
            )  # fmt: skip
        except editing.EditError as error:
            for field, message in error.problems.items():
                getattr(form, field).errors = [message]
            db.rollback()
        else:
            _after_change(db, service)
            db.commit()
            flash(
                f"{len(changes)}件の変更を保存しました。" if changes else "変更はありませんでした。"
            )
            return redirect(url_for(".edit_service", service_id=service.id))
    return _edit_page(db, service, form)


def _area_choices() -> list[tuple[str, str]]:
    """The municipality's districts, the municipality, its prefecture and the whole country."""
    profile = current_profile()
    choices = [(f"district:{d}", d) for d in profile.districts]
    choices.append((f"municipality:{profile.name}", f"{profile.name}全域"))
    if profile.prefecture:
        choices.append((f"prefecture:{profile.prefecture}", profile.prefecture))
    choices.append(("national:日本全国", "日本全国"))
    return choices


def _area_form(service: Service, formdata: object = None) -> ServiceAreaForm:
    form = ServiceAreaForm(prefix="areas", formdata=formdata)
    form.areas.choices = _area_choices()
    if formdata is None:
        form.areas.data = [f"{a.extent_type}:{a.name}" for a in service.service_areas]
    return form


def _saved(db: Session, service: Service, message: str) -> Response:
    """After an accepted edit: keep the index in step, commit, say so, back to the service."""
    _after_change(db, service)
    db.commit()
    flash(message)
    return redirect(url_for(".edit_service", service_id=service.id))


def _remove(service_id: str, remove: Callable[..., None], item: object, message: str) -> Response:
    """A delete button on the service page: ``remove(db, service, item, ...)``; 404 if absent."""
    db, service = get_session(), _service(service_id)
    if EmptyForm().validate_on_submit():
        try:
            remove(db, service, item, editor=g.staff_user, network=current_actor().network)
        except editing.EditError:
            abort(404)
        return _saved(db, service, message)
    return redirect(url_for(".edit_service", service_id=service.id))


def _edit_page(db: Session, service: Service, form: ServiceForm, **forms) -> tuple[str, int]:
    forms.setdefault("channel_form", ChannelForm(prefix="channel"))
    forms.setdefault("location_form", LocationForm(prefix="location"))
    forms.setdefault("area_form", _area_form(service))
    forms.setdefault("weekly_form", WeeklyHoursForm(prefix="weekly"))
    forms.setdefault("exception_form", ExceptionForm(prefix="exception"))
    has_errors = form.errors or any(f.errors for f in forms.values())
    return render_template(
        "backoffice/directory/edit_service.html",
        service=service,
        form=form,
        action_form=EmptyForm(),
        history=editing.history(db, service.id),
        describe=editing.describe,
        **forms,
    ), 400 if has_errors else 200


def _refused(service: Service, **forms) -> tuple[str, int]:
    db = get_session()
    db.rollback()
    service = _service(service.id)
    return _edit_page(db, service, ServiceForm(obj=service, formdata=None), **forms)


@bp.route("/services/<service_id>/verify", methods=["POST"])
@requires("directory.edit")
def verify(service_id: str) -> Response:
    db, service = get_session(), _service(service_id)
    if EmptyForm().validate_on_submit():
        editing.mark_verified(
            db, service, editor=g.staff_user, network=current_actor().network, today=_today()
        )
        db.commit()
        flash("確認済みにしました。")
    return redirect(url_for(".edit_service", service_id=service.id))


@bp.route("/services/<service_id>/channels", methods=["POST"])
@requires("directory.edit")
def add_channel(service_id: str) -> Response | tuple[str, int]:
    db, service = get_session(), _service(service_id)
    form = ChannelForm(prefix="channel")
    if form.validate_on_submit():
        try:
            editing.add_channel(
                db, service, form.kind.data or "", form.value.data or "", form.label.data or "",
                editor=g.staff_user, network=current_actor().network,
            )  # fmt: skip
        except editing.EditError as error:
            form.value.errors = list(error.problems.values())
        else:
            return _saved(db, service, "連絡方法を追加しました。")
    return _refused(service, channel_form=form)


@bp.route("/services/<service_id>/channels/<int:channel_id>/delete", methods=["POST"])
@requires("directory.edit")
def remove_channel(service_id: str, channel_id: int) -> Response:
    return _remove(service_id, editing.remove_channel, channel_id, "連絡方法を削除しました。")


@bp.route("/services/<service_id>/hours", methods=["POST"])
@requires("directory.edit")
def add_weekly_hours(service_id: str) -> Response | tuple[str, int]:
    db, service = get_session(), _service(service_id)
    form = WeeklyHoursForm(prefix="weekly")
    if form.validate_on_submit() and not form.weekdays.data:
        form.weekdays.errors = ["曜日を一つ以上選んでください。"]
    elif form.validate_on_submit():
        try:
            for day in form.weekdays.data or []:
                editing.add_schedule(
                    db, service,
                    Schedule(kind="weekly", weekday=int(day), opens_at=form.opens_at.data,
                             closes_at=form.closes_at.data,
                             last_intake_at=form.last_intake_at.data),
                    editor=g.staff_user, network=current_actor().network,
                )  # fmt: skip
        except editing.EditError as error:
            form.opens_at.errors = list(error.problems.values())
        else:
            return _saved(db, service, "受付時間を追加しました。")
    return _refused(service, weekly_form=form)


@bp.route("/services/<service_id>/exceptions", methods=["POST"])
@requires("directory.edit")
def add_exception(service_id: str) -> Response | tuple[str, int]:
    db, service = get_session(), _service(service_id)
    form = ExceptionForm(prefix="exception")
    if form.validate_on_submit():
        schedule = Schedule(
            kind="exception", valid_from=form.valid_from.data, valid_to=form.valid_to.data,
            closed=bool(form.closed.data), opens_at=form.opens_at.data,
            closes_at=form.closes_at.data, description=form.description.data or "",
        )  # fmt: skip
        try:
            editing.add_schedule(
                db, service, schedule, editor=g.staff_user, network=current_actor().network
            )
        except editing.EditError as error:
            form.valid_from.errors = list(error.problems.values())
        else:
            return _saved(db, service, "臨時の休み・特別な受付時間を追加しました。")
    return _refused(service, exception_form=form)


@bp.route("/services/<service_id>/schedules/<int:schedule_id>/delete", methods=["POST"])
@requires("directory.edit")
def remove_schedule(service_id: str, schedule_id: int) -> Response:
    return _remove(service_id, editing.remove_schedule, schedule_id, "受付時間を削除しました。")


@bp.route("/organizations/new", methods=["GET", "POST"])
@bp.route("/organizations/<organization_id>", methods=["GET", "POST"])
@requires("directory.edit")
def organization(organization_id: str | None = None) -> Response | tuple[str, int]:
    db = get_session()
    org = db.get(Organization, organization_id) if organization_id else None
    if organization_id and org is None:
        abort(404)
    form = OrganizationForm(obj=org)
    if form.validate_on_submit():
        website = (form.website.data or "").strip()
        if website and not website.startswith("https://"):
            form.website.errors = ["ウェブサイトは https:// で始まるアドレスだけ登録できます。"]
        else:
            org = editing.save_organization(
                db, org, name=form.name.data or "", name_kana=form.name_kana.data or "",
                description=form.description.data or "", website=website,
                editor=g.staff_user, network=current_actor().network,
            )  # fmt: skip
            db.commit()
            flash("団体を保存しました。")
            return redirect(url_for(".organization", organization_id=org.id))
    return render_template("backoffice/directory/organization.html", form=form, org=org), (
        400 if form.errors else 200
    )


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


@bp.route("/services/<service_id>/locations", methods=["POST"])
@requires("directory.edit")
def add_location(service_id: str) -> Response | tuple[str, int]:
    db, service = get_session(), _service(service_id)
    form = LocationForm(prefix="location")
    if form.validate_on_submit():
        try:
            editing.add_location(
                db, service, {name: getattr(form, name).data or "" for name in
                              editing.LOCATION_FIELDS},
                editor=g.staff_user, network=current_actor().network,
            )  # fmt: skip
        except editing.EditError as error:
            form.name.errors = list(error.problems.values())
        else:
            return _saved(db, service, "場所を追加しました。")
    return _refused(service, location_form=form)


@bp.route("/services/<service_id>/locations/<link_id>/delete", methods=["POST"])
@requires("directory.edit")
def remove_location(service_id: str, link_id: str) -> Response:
    return _remove(service_id, editing.remove_location, link_id, "場所を削除しました。")


@bp.route("/services/<service_id>/areas", methods=["POST"])
@requires("directory.edit")
def set_areas(service_id: str) -> Response | tuple[str, int]:
    db, service = get_session(), _service(service_id)
    form = ServiceAreaForm(prefix="areas")
    form.areas.choices = _area_choices()
    if form.validate_on_submit():
        chosen = [tuple(value.split(":", 1)) for value in form.areas.data or []]
        editing.set_service_areas(
            db, service, [(name, kind) for kind, name in chosen], editor=g.staff_user,
            network=current_actor().network,
        )  # fmt: skip
        return _saved(db, service, "対象の地域を保存しました。")
    return _refused(service, area_form=form)
