"""案内リスト (`service_list.edit`: the city's staff who meet residents at the counter and on
visits): the lists, a form to make or change one, and its handout as an A4 PDF. Each change and
each print is audited; a list holds no personal data."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response

from backoffice.service_lists import lists
from backoffice.service_lists.handout import handout_document, handout_pdf
from backoffice.service_lists.models import ServiceList
from backoffice.staff.permissions import requires
from backoffice.views.service_lists.forms import (
    PLACE_PREFIX,
    ListForm,
    place_problem,
    places,
    values_of,
)
from backoffice.web.context import current_actor
from backoffice.web.forms import EmptyForm, attach_problems
from cards.fonts import FontMissing
from core.db import get_session
from core.web import current_profile
from directory.search.loading import load_services

bp = Blueprint("service_lists", __name__, url_prefix="/service-lists")
TOKYO = ZoneInfo("Asia/Tokyo")
Page = Response | str | tuple[str, int]


@bp.get("/")
@requires("service_list.edit")
def index() -> str:
    return render_template(
        "backoffice/service_lists/index.html", lists=lists.all_lists(get_session())
    )


@bp.route("/new", methods=["GET", "POST"])
@requires("service_list.edit")
def new() -> Page:
    return _form(None)


@bp.route("/<int:list_id>/edit", methods=["GET", "POST"])
@requires("service_list.edit")
def edit(list_id: int) -> Page:
    return _form(_load(list_id))


@bp.get("/<int:list_id>")
@requires("service_list.edit")
def detail(list_id: int) -> str:
    service_list = _load(list_id)
    services = load_services(get_session(), service_list.service_ids)
    return render_template(
        "backoffice/service_lists/detail.html",
        service_list=service_list,
        services=services,
        left_out=len(service_list.items) - len(services),
        action_form=EmptyForm(),
    )


@bp.post("/<int:list_id>/print")
@requires("service_list.edit")
def print_list(list_id: int) -> Response:
    db, service_list = get_session(), _load(list_id)
    if not EmptyForm().validate():
        abort(400)
    settings = current_app.config["TSUNAGU_SETTINGS"]
    day = datetime.now(TOKYO).date()
    document = handout_document(
        db, service_list, profile=current_profile(), base_url=settings.public_base_url, day=day
    )
    try:
        body = handout_pdf(document, settings.card_font_path or None)
    except FontMissing:
        abort(503)
    lists.record_print(db, service_list, actor=current_actor())
    db.commit()
    response = current_app.response_class(body, mimetype="application/pdf")
    filename = f"service-list-{service_list.id}-{day.isoformat()}.pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@bp.get("/<int:list_id>/delete")
@requires("service_list.edit")
def confirm_delete(list_id: int) -> str:
    """Deleting is asked once more, on a page of its own (works without JavaScript)."""
    return render_template(
        "backoffice/service_lists/delete.html",
        service_list=_load(list_id),
        action_form=EmptyForm(),
    )


@bp.post("/<int:list_id>/delete")
@requires("service_list.edit")
def delete(list_id: int) -> Response:
    db, service_list = get_session(), _load(list_id)
    if not EmptyForm().validate():
        abort(400)
    lists.delete_list(db, service_list, actor=current_actor())
    db.commit()
    flash("案内リストを削除しました。")
    return redirect(url_for(".index"))


def _form(service_list: ServiceList | None) -> Page:
    db = get_session()
    choices = lists.published_choices(db)
    form = ListForm(obj=service_list)
    if request.method == "GET":
        current = service_list.service_ids if service_list else []
        typed = {sid: str(current.index(sid) + 1) if sid in current else "" for sid, _ in choices}
        return _page(form, typed, choices, service_list)
    typed = places(request.form, choices)
    problem = place_problem(typed)
    if not form.validate() or problem:
        if problem:
            form.form_errors.append(problem)
        return _page(form, typed, choices, service_list), 400
    actor = current_actor()
    try:
        if service_list is None:
            service_list = lists.create_list(db, values_of(form, typed, choices), actor=actor)
        else:
            lists.update_list(db, service_list, values_of(form, typed, choices), actor=actor)
    except lists.ListError as error:
        db.rollback()
        attach_problems(form, error.problems)
        return _page(form, typed, choices, service_list), 400
    db.commit()
    flash("案内リストを保存しました。")
    return redirect(url_for(".detail", list_id=service_list.id))


def _page(
    form: ListForm,
    typed: dict[str, str],
    choices: list[tuple[str, str]],
    service_list: ServiceList | None,
) -> str:
    return render_template(
        "backoffice/service_lists/form.html",
        form=form,
        typed=typed,
        choices=choices,
        prefix=PLACE_PREFIX,
        service_list=service_list,
        max_services=lists.MAX_SERVICES,
    )


def _load(list_id: int) -> ServiceList:
    found = get_session().get(ServiceList, list_id)
    if found is None:
        abort(404)
    return found
