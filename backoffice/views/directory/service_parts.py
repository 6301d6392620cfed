"""The forms on a service's page besides its own fields: adding and removing contact channels,
weekly hours and exceptions, locations and languages, and the areas it is for. Each is a POST
that comes back to the page. Editing one of those items in place is in ``part_edits``."""

from __future__ import annotations

from werkzeug.wrappers import Response

from backoffice.staff.permissions import requires
from backoffice.views.directory.forms import (
    ChannelForm,
    ExceptionForm,
    LanguageForm,
    LocationForm,
    ServiceAreaForm,
    WeeklyHoursForm,
)
from backoffice.views.directory.pages import (
    area_choices,
    as_editor,
    bp,
    language_choices,
    load_service,
    refused,
    remove_item,
    saved,
)
from core.db import get_session
from directory import editing
from directory.models import Schedule


@bp.route("/services/<service_id>/channels", methods=["POST"])
@requires("directory.edit")
def add_channel(service_id: str) -> Response | tuple[str, int]:
    db, service = get_session(), load_service(service_id)
    form = ChannelForm(prefix="channel")
    if form.validate_on_submit():
        try:
            editing.add_channel(
                db, service, form.kind.data or "", form.value.data or "", form.label.data or "",
                **as_editor(),
            )  # fmt: skip
        except editing.EditError as error:
            form.value.errors = list(error.problems.values())
        else:
            return saved(db, service, "連絡方法を追加しました。")
    return refused(service, channel_form=form)


@bp.route("/services/<service_id>/channels/<int:channel_id>/delete", methods=["POST"])
@requires("directory.edit")
def remove_channel(service_id: str, channel_id: int) -> Response:
    return remove_item(service_id, editing.remove_channel, channel_id, "連絡方法を削除しました。")


@bp.route("/services/<service_id>/hours", methods=["POST"])
@requires("directory.edit")
def add_weekly_hours(service_id: str) -> Response | tuple[str, int]:
    db, service = get_session(), load_service(service_id)
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
                    **as_editor(),
                )  # fmt: skip
        except editing.EditError as error:
            form.opens_at.errors = list(error.problems.values())
        else:
            return saved(db, service, "受付時間を追加しました。")
    return refused(service, weekly_form=form)


@bp.route("/services/<service_id>/exceptions", methods=["POST"])
@requires("directory.edit")
def add_exception(service_id: str) -> Response | tuple[str, int]:
    db, service = get_session(), load_service(service_id)
    form = ExceptionForm(prefix="exception")
    if form.validate_on_submit():
        schedule = Schedule(
            kind="exception", valid_from=form.valid_from.data, valid_to=form.valid_to.data,
            closed=bool(form.closed.data), opens_at=form.opens_at.data,
            closes_at=form.closes_at.data, description=form.description.data or "",
        )  # fmt: skip
        try:
            editing.add_schedule(db, service, schedule, **as_editor())
        except editing.EditError as error:
            form.valid_from.errors = list(error.problems.values())
        else:
            return saved(db, service, "臨時の休み・特別な受付時間を追加しました。")
    return refused(service, exception_form=form)


@bp.route("/services/<service_id>/schedules/<int:schedule_id>/delete", methods=["POST"])
@requires("directory.edit")
def remove_schedule(service_id: str, schedule_id: int) -> Response:
    return remove_item(service_id, editing.remove_schedule, schedule_id, "受付時間を削除しました。")


@bp.route("/services/<service_id>/locations", methods=["POST"])
@requires("directory.edit")
def add_location(service_id: str) -> Response | tuple[str, int]:
    db, service = get_session(), load_service(service_id)
    form = LocationForm(prefix="location")
    if form.validate_on_submit():
        try:
            editing.add_location(
                db, service, {name: getattr(form, name).data or "" for name in
                              editing.LOCATION_FIELDS},
                **as_editor(),
            )  # fmt: skip
        except editing.EditError as error:
            form.name.errors = list(error.problems.values())
        else:
            return saved(db, service, "場所を追加しました。")
    return refused(service, location_form=form)


@bp.route("/services/<service_id>/locations/<link_id>/delete", methods=["POST"])
@requires("directory.edit")
def remove_location(service_id: str, link_id: str) -> Response:
    return remove_item(service_id, editing.remove_location, link_id, "場所を削除しました。")


@bp.route("/services/<service_id>/areas", methods=["POST"])
@requires("directory.edit")
def set_areas(service_id: str) -> Response | tuple[str, int]:
    db, service = get_session(), load_service(service_id)
    form = ServiceAreaForm(prefix="areas")
    form.areas.choices = area_choices()
    if form.validate_on_submit():
        chosen = [tuple(value.split(":", 1)) for value in form.areas.data or []]
        editing.set_service_areas(
            db, service, [(name, kind) for kind, name in chosen], **as_editor(),
        )  # fmt: skip
        return saved(db, service, "対象の地域を保存しました。")
    return refused(service, area_form=form)


@bp.route("/services/<service_id>/languages", methods=["POST"])
@requires("directory.edit")
def add_language(service_id: str) -> Response | tuple[str, int]:
    db, service = get_session(), load_service(service_id)
    form = LanguageForm(prefix="language")
    form.code.choices = language_choices()  # type: ignore[assignment]
    if form.validate_on_submit():
        try:
            editing.add_language(
                db, service, form.code.data or "", form.name.data or "", form.note.data or "",
                **as_editor(),
            )  # fmt: skip
        except editing.EditError as error:
            form.code.errors = list(error.problems.values())
        else:
            return saved(db, service, "対応する言語を追加しました。")
    return refused(service, language_form=form)


@bp.route("/services/<service_id>/languages/<int:language_id>/delete", methods=["POST"])
@requires("directory.edit")
def remove_language(service_id: str, language_id: int) -> Response:
    return remove_item(
        service_id, editing.remove_language, language_id, "対応する言語を削除しました。"
    )
