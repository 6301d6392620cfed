"""What staff do on a case page: change its status, assign and acknowledge it, add liaisons,
record notes, contact attempts and emergency actions, withdraw or extend consent, record a
follow-up.

Each action is a POST with CSRF; a refused one shows the case again with the message by its
field and changes nothing.
"""

from __future__ import annotations

from typing import Any

from flask import request

from backoffice.referrals import assignment, timeline
from backoffice.referrals.consent import ConsentError, extend_sharing, withdraw_consent
from backoffice.referrals.followup import FollowUpError, record_follow_up
from backoffice.referrals.vocabulary import STATUS_LABELS
from backoffice.referrals.workflow import (
    ConflictError,
    EndingError,
    OpenTasksError,
    TransitionError,
    change_status,
)
from backoffice.staff.permissions import requires
from backoffice.views.referrals.case_page import conflict_page, refused, sharing_form
from backoffice.views.referrals.forms import (
    AssignForm,
    ContactForm,
    EmergencyForm,
    EndForm,
    FollowUpForm,
    MemberForm,
    NoteForm,
    StatusForm,
    VersionForm,
    WithdrawForm,
)
from backoffice.views.referrals.pages import actions_bp as bp
from backoffice.views.referrals.pages import aware, done, load_case
from backoffice.web.context import current_actor
from backoffice.web.forms import choices, number
from core.db import get_session


def _version() -> int | None:
    return number(request.form.get("version"))


@bp.route("/<int:referral_id>/status", methods=["POST"])
@requires("referral.edit")
def status(referral_id: int) -> Any:
    """A status change; ``status=ended`` comes from the end-of-support form, with its reason,
    the summary of the help arranged and the follow-up date."""
    referral = load_case(referral_id, why="status")
    ending = request.form.get("status") == "ended"
    form: Any = EndForm() if ending else StatusForm()
    name = "end_form" if ending else "status_form"
    if not ending:
        form.status.choices = choices([(request.form.get("status", ""), "")])
    if not form.validate_on_submit():
        return refused(referral, name, form, {})
    extra = (
        {
            "end_reason": form.end_reason.data or "", "open_tasks": form.open_tasks.data or "",
            "closing_summary": form.closing_summary.data or "",
            "follow_up_due_on": form.follow_up_due_on.data,
        }
        if ending else {}
    )  # fmt: skip
    try:
        change_status(
            get_session(), referral, form.status.data, actor=current_actor(),
            expected_version=_version(), reason=form.reason.data or "", **extra,
        )  # fmt: skip
    except ConflictError:
        get_session().commit()
        return conflict_page(referral, {"status": form.status.data})
    except OpenTasksError as exc:
        return refused(referral, name, form, {"open_tasks": str(exc)})
    except EndingError as exc:
        return refused(referral, name, form, {exc.field: str(exc)})
    except TransitionError as exc:
        return refused(referral, name, form, {"status": str(exc)})
    return done(referral, "支援を終了しました。" if ending else "状態を変更しました。")


@bp.route("/<int:referral_id>/assign", methods=["POST"])
@requires("referral.edit")
def assign(referral_id: int) -> Any:
    referral = load_case(referral_id, why="assign")
    form = AssignForm()
    staff = assignment.case_staff(get_session())
    form.assigned_to.choices = choices([(u.id, u.display_name) for u in staff])
    if not form.validate_on_submit():
        return refused(referral, "assign_form", form, {})
    try:
        assignment.assign(
            get_session(), referral, form.assigned_to.data, actor=current_actor(),
            expected_version=_version(),
        )  # fmt: skip
    except ConflictError:
        get_session().commit()
        return conflict_page(referral, {"assigned_to_id": form.assigned_to.data})
    except assignment.AssignmentError as exc:
        return refused(referral, "assign_form", form, {"assigned_to": str(exc)})
    if referral.assigned_to_id == current_actor().id:
        return done(referral, "この案件を担当し、受け取りを確認しました。")
    return done(
        referral, "担当者を決めました。担当者が受け取りを確認するまで、一覧に表示されます。"
    )


@bp.route("/<int:referral_id>/acknowledge", methods=["POST"])
@requires("referral.edit")
def acknowledge(referral_id: int) -> Any:
    referral = load_case(referral_id, why="acknowledge")
    if not VersionForm().validate_on_submit():
        return refused(referral, "status_form", StatusForm(), {})
    try:
        assignment.acknowledge(
            get_session(), referral, actor=current_actor(),
            expected_version=_version(),
        )  # fmt: skip
    except ConflictError:
        get_session().commit()
        return conflict_page(referral, {"acknowledged_at": "受け取り確認"})
    except assignment.AssignmentError as exc:
        return refused(referral, "assign_form", AssignForm(), {"assigned_to": str(exc)})
    return done(referral, "受け取りを確認しました。")


@bp.route("/<int:referral_id>/members", methods=["POST"])
@requires("referral.edit")
def add_member(referral_id: int) -> Any:
    referral = load_case(referral_id, why="member")
    form = MemberForm()
    staff = assignment.liaisons(get_session())
    form.staff_user.choices = choices([(u.id, u.display_name) for u in staff])
    if not form.validate_on_submit():
        return refused(referral, "member_form", form, {})
    try:
        assignment.add_member(
            get_session(), referral, form.staff_user.data, actor=current_actor(),
        )  # fmt: skip
    except assignment.AssignmentError as exc:
        return refused(referral, "member_form", form, {"staff_user": str(exc)})
    return done(referral, "つなぎ支援員を追加しました。")


@bp.route("/<int:referral_id>/notes", methods=["POST"])
@requires("referral.edit")
def add_note(referral_id: int) -> Any:
    referral = load_case(referral_id, why="note")
    form = NoteForm()
    if not form.validate_on_submit():
        return refused(referral, "note_form", form, {})
    try:
        timeline.add_note(
            get_session(), referral, form.body.data or "", shared=bool(form.shared.data),
            actor=current_actor(),
        )  # fmt: skip
    except timeline.EntryError as exc:
        return refused(referral, "note_form", form, exc.problems)
    return done(referral, "経過を記録しました。")


@bp.route("/<int:referral_id>/contacts", methods=["POST"])
@requires("referral.edit")
def add_contact(referral_id: int) -> Any:
    referral = load_case(referral_id, why="contact")
    form = ContactForm()
    if not form.validate_on_submit():
        return refused(referral, "contact_form", form, {})
    before = referral.status
    try:
        timeline.record_contact(
            get_session(), referral, at=aware(form.attempted_at.data), method=form.method.data,
            result=form.result.data, note=form.note.data or "", actor=current_actor(),
            to_first_contact=bool(form.to_first_contact.data),
            to_unreachable=bool(form.to_unreachable.data), expected_version=form.version.data,
        )  # fmt: skip
    except ConflictError:  # refused before anything was added
        get_session().commit()
        wanted = "unreachable" if form.to_unreachable.data else "first_contact"
        return conflict_page(referral, {"status": wanted})
    except timeline.EntryError as exc:
        return refused(referral, "contact_form", form, exc.problems)
    if referral.status != before:
        return done(
            referral,
            f"連絡の記録を追加し、状態を「{STATUS_LABELS[referral.status]}」にしました。",
        )
    return done(referral, "連絡の記録を追加しました。")


@bp.route("/<int:referral_id>/emergency", methods=["POST"])
@requires("referral.edit")
def add_emergency(referral_id: int) -> Any:
    referral = load_case(referral_id, why="emergency")
    form = EmergencyForm()
    if not form.validate_on_submit():
        return refused(referral, "emergency_form", form, {})
    try:
        timeline.add_emergency_action(
            get_session(), referral, at=aware(form.acted_at.data), kind=form.kind.data,
            outcome=form.outcome.data or "", actor=current_actor(),
        )  # fmt: skip
    except timeline.EntryError as exc:
        return refused(referral, "emergency_form", form, exc.problems)
    return done(referral, "緊急対応を記録しました。")


@bp.route("/<int:referral_id>/consent/withdraw", methods=["POST"])
@requires("referral.read")
def withdraw(referral_id: int) -> Any:
    referral = load_case(referral_id, why="consent")
    form = WithdrawForm()
    if not form.validate_on_submit():
        return refused(referral, "withdraw_form", form, {})
    try:
        withdraw_consent(
            get_session(), referral, note=form.note.data or "", actor=current_actor(),
        )  # fmt: skip
    except ConsentError as exc:
        return refused(referral, "withdraw_form", form, exc.problems)
    return done(referral, "同意の撤回を記録しました。関係機関への情報提供は、これ以降行いません。")


@bp.route("/<int:referral_id>/consent/extend", methods=["POST"])
@requires("referral.read")
def extend(referral_id: int) -> Any:
    """The person has since agreed to share more; from now on those fields may be entered."""
    referral = load_case(referral_id, why="consent")
    form = sharing_form(referral, request.form)
    if not form.validate_on_submit():
        return refused(referral, "sharing_form", form, {})
    try:
        extend_sharing(
            get_session(), referral, list(form.parts.data or []),
            confirmed=bool(form.confirmed.data), actor=current_actor(),
        )  # fmt: skip
    except ConsentError as exc:
        return refused(referral, "sharing_form", form, exc.problems)
    return done(referral, "共有してよい情報を広げたことを記録しました。")


@bp.route("/<int:referral_id>/follow-ups", methods=["POST"])
@requires("referral.follow_up")
def add_follow_up(referral_id: int) -> Any:
    referral = load_case(referral_id, why="follow_up")
    form = FollowUpForm()
    if not form.validate_on_submit():
        return refused(referral, "follow_up_form", form, {})
    try:
        record_follow_up(
            get_session(), referral, held_on=form.held_on.data, result=form.result.data or "",
            actor=current_actor(),
        )  # fmt: skip
    except FollowUpError as exc:
        return refused(referral, "follow_up_form", form, exc.problems)
    return done(referral, "フォローアップを記録しました。")
