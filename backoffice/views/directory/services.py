"""The directory's services in the back office: the list (with those to verify and those not
verified for a while), a new service, its own fields, and marking it verified."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from backoffice.staff.permissions import requires
from backoffice.views.directory.forms import NewServiceForm, ServiceForm
from backoffice.views.directory.pages import (
    after_change,
    as_editor,
    bp,
    edit_page,
    load_service,
    saved,
)
from backoffice.web.forms import EmptyForm, attach_problems
from core.db import get_session
from core.timezone import tokyo_today
from directory import editing
from directory.models import Service, TaxonomyTerm
from directory.queries import topics
from directory.taps import tap_figures, tap_text


def _terms(db: Session) -> list[TaxonomyTerm]:
    return topics(db)


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
        stale=editing.stale_services(db, days=days, today=tokyo_today()),
        stale_days=days,
        status=status,
        taps=tap_figures(db, tokyo_today()),
        tap_text=tap_text,
    )


@bp.route("/services/new", methods=["GET", "POST"])
@requires("directory.edit")
def new_service() -> Response | tuple[str, int]:
    db = get_session()
    form = NewServiceForm()
    form.organization_id.choices = editing.organization_choices(db)
    if form.validate_on_submit():
        try:
            organization = editing.check_choice(db, form.organization_id.data)
            service = editing.create_service(
                db, organization, form.name.data or "", **as_editor(),
            )  # fmt: skip
        except editing.EditError as error:
            form.organization_id.errors = list(error.problems.values())
        else:
            return saved(db, service, "下書きとして作成しました。内容を入力して公開してください。")
    return render_template("backoffice/directory/new_service.html", form=form), (
        400 if form.errors else 200
    )


@bp.route("/services/<service_id>", methods=["GET", "POST"])
@requires("directory.edit")
def edit_service(service_id: str) -> Response | tuple[str, int]:
    db, service = get_session(), load_service(service_id)
    terms = _terms(db)
    form = ServiceForm(obj=service)
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
                db, service, values, topics=chosen, **as_editor(),
            )  # fmt: skip
        except editing.EditError as error:
            attach_problems(form, error.problems)
            db.rollback()
        else:
            after_change(db, service)
            db.commit()
            flash(
                f"{len(changes)}件の変更を保存しました。" if changes else "変更はありませんでした。"
            )
            return redirect(url_for(".edit_service", service_id=service.id))
    return edit_page(db, service, form)


@bp.route("/services/<service_id>/verify", methods=["POST"])
@requires("directory.edit")
def verify(service_id: str) -> Response:
    db, service = get_session(), load_service(service_id)
    if EmptyForm().validate_on_submit():
        editing.mark_verified(db, service, **as_editor(), today=tokyo_today())
        # Its contacts become buttons on the public pages, with the date as 最終確認日.
        return saved(db, service, "確認済みにしました。公開ページでは連絡先がボタンになります。")
    return redirect(url_for(".edit_service", service_id=service.id))
