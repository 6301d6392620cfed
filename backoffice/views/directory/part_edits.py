"""Editing one item of a service in place: a contact channel, a row of hours (weekly, or an
exception on dates) and a place. Each has a page of its own, linked from the service's page:
GET shows its form filled in, POST saves and goes back to the service, or shows the form again
with the reasons. An item removed meanwhile sends staff back to the service with a message."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sized
from typing import Any

from flask import render_template
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from backoffice.staff.permissions import requires
from backoffice.views.directory.forms import (
    ChannelEditForm,
    ExceptionForm,
    LocationEditForm,
    WeeklyRowForm,
)
from backoffice.views.directory.pages import (
    as_editor,
    bp,
    load_channel,
    load_location_link,
    load_schedule,
    load_service,
    saved,
)
from backoffice.web.forms import attach_problems
from core.db import get_session
from directory import editing
from directory.models import Service

WEEKLY_FIELDS = ("opens_at", "closes_at", "last_intake_at")
EXCEPTION_FIELDS = ("valid_from", "valid_to", "opens_at", "closes_at", "description")


@bp.route("/services/<service_id>/channels/<int:channel_id>", methods=["GET", "POST"])
@requires("directory.edit")
def edit_channel(service_id: str, channel_id: int) -> Response | tuple[str, int]:
    db, service = get_session(), load_service(service_id)
    channel = load_channel(service, channel_id)
    form = ChannelEditForm(obj=channel)
    form.position.choices = [(str(n), str(n)) for n in range(1, len(service.channels) + 1)]
    if not form.is_submitted():
        form.position.data = str(service.channels.index(channel) + 1)
    elif form.validate():
        values = {name: getattr(form, name).data for name in ("kind", "value", "label")}
        values["position"] = form.position.data
        edit = _editor(editing.update_channel, db, service, channel.id, values)
        if response := _save(db, service, form, edit):
            return response
    return _page("edit_channel.html", form, service=service, channel=channel)


@bp.route("/services/<service_id>/schedules/<int:schedule_id>", methods=["GET", "POST"])
@requires("directory.edit")
def edit_schedule(service_id: str, schedule_id: int) -> Response | tuple[str, int]:
    db, service = get_session(), load_service(service_id)
    schedule = load_schedule(service, schedule_id)
    weekly = schedule.kind == "weekly"
    form = WeeklyRowForm(obj=schedule) if weekly else ExceptionForm(obj=schedule)
    if weekly and not form.is_submitted():
        form.weekday.data = str(schedule.weekday)
    elif form.validate_on_submit():
        values = _schedule_values(form, weekly)
        edit = _editor(editing.update_schedule, db, service, schedule.id, values)
        if response := _save(db, service, form, edit):
            return response
    return _page(
        "edit_schedule.html", form, service=service, schedule=schedule,
        summary=editing.describe(schedule),
    )  # fmt: skip


@bp.route("/services/<service_id>/locations/<link_id>", methods=["GET", "POST"])
@requires("directory.edit")
def edit_location(service_id: str, link_id: str) -> Response | tuple[str, int]:
    db, service = get_session(), load_service(service_id)
    location = load_location_link(service, link_id).location
    # A shared place changes for every service at it: the form says which, all are reindexed.
    sharing = [s for s in editing.services_at_location(db, location.id) if s.id != service.id]
    form = LocationEditForm(obj=location)
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in editing.EDITABLE_LOCATION_FIELDS}
        edit = _editor(editing.update_location, db, service, link_id, values)
        if response := _save(db, service, form, edit, [s.id for s in sharing]):
            return response
    return _page("edit_location.html", form, service=service, location=location, sharing=sharing)


def _editor(update: Callable[..., Sized], db: Session, *args: Any) -> Callable[[], Sized]:
    """``update(db, *args)`` as the signed-in member of staff, from their network."""
    return lambda: update(db, *args, **as_editor())


def _save(
    db: Session, service: Service, form: FlaskForm, edit: Callable[[], Sized],
    others: Iterable[str] = (),
) -> Response | None:  # fmt: skip
    """Run the edit and go back to the service; None, with the reasons on the form's fields
    (or its first one), when it is refused and nothing was changed."""
    try:
        changes = edit()
    except editing.EditError as error:
        db.rollback()
        first = next(f.short_name for f in form if f.name != "csrf_token")
        attach_problems(form, error.problems, fallback=first)
        return None
    message = f"{len(changes)}件の変更を保存しました。" if changes else "変更はありませんでした。"
    if changes and others:
        message += "この場所を使うほかの相談先にも反映しました。"
    return saved(db, service, message, others)


def _page(template: str, form: FlaskForm, **context: Any) -> tuple[str, int]:
    html = render_template(f"backoffice/directory/{template}", form=form, **context)
    return html, 400 if any(f.errors for f in form) else 200


def _schedule_values(form: FlaskForm, weekly: bool) -> dict[str, Any]:
    values = {
        name: getattr(form, name).data for name in (WEEKLY_FIELDS if weekly else EXCEPTION_FIELDS)
    }
    if weekly:
        values["weekday"] = _weekday(form.weekday.data)  # type: ignore[attr-defined]
    else:
        values["closed"] = bool(form.closed.data)  # type: ignore[attr-defined]
    return values


def _weekday(value: str | None) -> int | None:
    """The day number a form sent (0 = Monday), or None when it is not a number."""
    try:
        return int(value or "")
    except ValueError:
        return None
