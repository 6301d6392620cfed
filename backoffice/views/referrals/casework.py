"""Case work on a referral: support meetings and their minutes, links to agencies, tasks; and the
supervisor's list of missed deadlines.

Only the municipality's dedicated staff (`referral.edit`) reach these pages. Each opens the case
through `open_referral`, which audits the read and answers "not found" outside the viewer's
scope; the read is committed with the page, a change with its own audit event. Meetings and
links are edited against the version the form was opened on: a stale save changes nothing and
shows the stored values beside the refused ones (409).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from backoffice.referrals import escalation, links, meetings, tasks
from backoffice.referrals.casework import ReferralLink, SupportMeeting
from backoffice.referrals.models import Referral
from backoffice.referrals.vocabulary import STATUS_LABELS
from backoffice.referrals.workflow import ConflictError
from backoffice.staff.permissions import requires
from backoffice.views.referrals.casework_forms import LinkForm, MeetingForm, TaskForm
from backoffice.views.referrals.minutes import minutes_page, sharing_form
from backoffice.views.referrals.pages import (
    Page,
    done,
    load_case,
    load_link,
    load_meeting,
    load_task,
    refuse,
    staff_names,
)
from backoffice.views.referrals.pages import casework_bp as bp
from backoffice.web.context import current_actor
from backoffice.web.forms import EmptyForm, attach_problems
from core.db import get_session, utcnow
from core.problems import ProblemsError

LONG = 200  # rows per list on the supervisor's page


def _page(template: str, form: FlaskForm, **context: Any) -> tuple[str, int]:
    """A form page; its read of the case is committed with it (the audit event)."""
    html = render_template(f"backoffice/casework/{template}", form=form, **context)
    get_session().commit()
    return html, 400 if form.errors else 200


# ---- support meetings and links: one way to create, edit and refuse a stale save ---------------


def _meeting_form(db: Session, meeting: SupportMeeting | None) -> MeetingForm:
    form = MeetingForm()
    choices = {o.id: o.name for o in meetings.published_organizations(db)}
    if meeting is not None:  # agencies already recorded stay, even if unpublished since
        choices.update(meetings.organization_names(db, list(meeting.agencies or [])))
    form.organization_ids.choices = list(choices.items())
    return form


def _link_form(db: Session, link: ReferralLink | None) -> LinkForm:
    form = LinkForm()
    choices = {s.id: f"{s.name}（{s.organization.name}）" for s in links.published_services(db)}
    if link is not None and link.service_id and link.service_id not in choices:
        choices[link.service_id] = links.target_name(db, link.service_id, "")
    form.service_id.choices = [("", "（一覧にない機関のときは選ばない）"), *choices.items()]
    return form


@dataclass(frozen=True)
class Kind:
    """How one kind of case record is edited through these pages."""

    load: Callable[[Referral, int], Any]
    why: str  # the reason the read of the case is audited with
    template: str
    saved: str
    edit_endpoint: str
    id_name: str
    form: Callable[[Session, Any], Any]
    stored: Callable[[Session, Any], Any]
    describe: Callable[[Session, Any], dict[str, str]]
    create: Callable[..., Any]
    update: Callable[..., Any]
    error: type[ProblemsError]


MEETING = Kind(
    load=load_meeting, why="support_meeting", template="meeting_form.html",
    saved="支援会議の記録を保存しました。", edit_endpoint=".edit_meeting", id_name="meeting_id",
    form=_meeting_form, stored=meetings.values_of, describe=meetings.describe,
    create=meetings.create_meeting, update=meetings.update_meeting, error=meetings.MeetingError,
)  # fmt: skip
LINK = Kind(
    load=load_link, why="referral_link", template="link_form.html",
    saved="つなぎ先の記録を保存しました。", edit_endpoint=".edit_link", id_name="link_id",
    form=_link_form, stored=lambda _db, link: links.values_of(link), describe=links.describe,
    create=links.create_link, update=links.update_link, error=links.LinkError,
)  # fmt: skip


def _create(kind: Kind, referral_id: int) -> Page:
    db, referral = get_session(), load_case(referral_id, kind.why)
    form = kind.form(db, None)
    if form.validate_on_submit():
        try:
            kind.create(db, referral, form.values(), actor=current_actor())
        except kind.error as error:
            attach_problems(form, error.problems)
        else:
            return done(referral, kind.saved)
    return _page(kind.template, form, referral=referral, record=None)


def _update(kind: Kind, referral_id: int, record_id: int) -> Page:
    db, referral = get_session(), load_case(referral_id, kind.why)
    record = kind.load(referral, record_id)
    form = kind.form(db, record)
    if not form.is_submitted():
        form.fill(kind.stored(db, record), record.version)
    elif form.validate():
        values, version = form.values(), form.version.data
        try:
            kind.update(
                db, referral, record, values, actor=current_actor(), expected_version=version
            )
        except ConflictError:
            return _conflict(kind, referral_id, record_id, form)
        except kind.error as error:
            attach_problems(form, error.problems)
        else:
            return done(referral, kind.saved)
    return _page(kind.template, form, referral=referral, record=record)


def _conflict(kind: Kind, referral_id: int, record_id: int, form: Any) -> tuple[str, int]:
    """The 409 page: the stored values beside the refused ones, field by field."""
    db, mine = get_session(), form.values()
    db.rollback()  # nothing of the refused save is kept
    referral = load_case(referral_id, "conflict")
    record = kind.load(referral, record_id)
    current, refused = kind.describe(db, kind.stored(db, record)), kind.describe(db, mine)
    html = render_template(
        "backoffice/casework/conflict.html",
        referral=referral,
        rows=[
            (form[n].label.text, current[n], refused[n])
            for n in current
            if current[n] != refused[n]
        ],
        saved_by=staff_names(db).get(record.recorded_by_id or 0, ""),
        again=url_for(kind.edit_endpoint, referral_id=referral.id, **{kind.id_name: record.id}),
    )
    db.commit()
    return html, 409


@bp.route("/<int:referral_id>/meetings/new", methods=["GET", "POST"])
@requires("referral.edit")
def new_meeting(referral_id: int) -> Page:
    return _create(MEETING, referral_id)


@bp.route("/<int:referral_id>/meetings/<int:meeting_id>", methods=["GET", "POST"])
@requires("referral.edit")
def edit_meeting(referral_id: int, meeting_id: int) -> Page:
    return _update(MEETING, referral_id, meeting_id)


@bp.route("/<int:referral_id>/links/new", methods=["GET", "POST"])
@requires("referral.edit")
def new_link(referral_id: int) -> Page:
    return _create(LINK, referral_id)


@bp.route("/<int:referral_id>/links/<int:link_id>", methods=["GET", "POST"])
@requires("referral.edit")
def edit_link(referral_id: int, link_id: int) -> Page:
    return _update(LINK, referral_id, link_id)


@bp.route("/<int:referral_id>/meetings/<int:meeting_id>/minutes")
@requires("referral.edit")
def minutes(referral_id: int, meeting_id: int) -> str:
    """The minutes as a printable page (the print stylesheet drops the frame of the page), with
    the form that shares them with the NPO."""
    db, referral = get_session(), load_case(referral_id, "minutes")
    meeting = load_meeting(referral, meeting_id)
    html = minutes_page(db, referral, meeting, sharing_form(db, meeting, submitted=False))
    db.commit()
    return html


# ---- tasks ------------------------------------------------------------------------------------


@bp.route("/<int:referral_id>/tasks/new", methods=["GET", "POST"])
@requires("referral.edit")
def new_task(referral_id: int) -> Page:
    db, referral = get_session(), load_case(referral_id, "task")
    form = TaskForm()
    form.assignee_id.choices = [(s.id, s.display_name) for s in tasks.assignable_staff(db)]
    if request.method == "GET":
        form.assignee_id.data = current_actor().id
    if form.validate_on_submit():
        try:
            tasks.create_task(db, referral, form.values(), actor=current_actor())
        except tasks.TaskError as error:
            attach_problems(form, error.problems)
        else:
            return done(referral, "タスクを追加しました。")
    return _page("task_form.html", form, referral=referral)


@bp.route("/<int:referral_id>/tasks/<int:task_id>/done", methods=["POST"])
@requires("referral.edit")
def task_done(referral_id: int, task_id: int) -> Response:
    db, referral = get_session(), load_case(referral_id, "task")
    task = load_task(referral, task_id)
    if not EmptyForm().validate_on_submit():
        refuse(400)
    completed = tasks.complete_task(db, task, actor=current_actor())
    return done(referral, "タスクを完了にしました。" if completed else "このタスクは完了済みです。")


# ---- supervision ------------------------------------------------------------------------------


@bp.route("/supervision")
@requires("referral.supervise")
def supervision() -> str:
    """Deadlines missed on any case. Case numbers and dates only: no personal data is read."""
    db, now = get_session(), utcnow()
    hours = current_app.config["TSUNAGU_SETTINGS"].urgent_contact_hours
    return render_template(
        "backoffice/casework/supervision.html",
        urgent=escalation.capped(escalation.urgent_not_contacted(db, now, hours=hours), LONG),
        unacknowledged=escalation.capped(escalation.unacknowledged(db, now), LONG),
        overdue=escalation.capped(escalation.overdue_tasks(db, now), LONG),
        names=staff_names(db),
        statuses=STATUS_LABELS,
        hours=hours,
    )
