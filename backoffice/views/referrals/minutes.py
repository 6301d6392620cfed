"""Minutes shared with the NPO: the dedicated staff mark a support meeting's minutes shared and
say which liaisons took part (on the printable minutes page); a liaison reads the shared minutes
of their cases and of the meetings they took part in, each read audited. Anything else is "not
found", whether it is internal, another's, or does not exist.
"""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import BooleanField

from backoffice.referrals import meetings, minutes
from backoffice.referrals.assignment import liaisons
from backoffice.referrals.casework import SupportMeeting
from backoffice.referrals.models import Referral
from backoffice.referrals.scopes import liaison_fields, sees_all_cases
from backoffice.referrals.workflow import ConflictError
from backoffice.staff.permissions import requires
from backoffice.views.referrals.pages import Page, load_case, load_meeting, staff_names
from backoffice.views.referrals.pages import casework_bp as bp
from backoffice.web.context import current_actor
from backoffice.web.forms import Checkboxes, VersionField, attach_problems, choices
from core.db import get_session, utcnow


def jdate(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日（{'月火水木金土日'[day.weekday()]}）"


class MinutesSharingForm(FlaskForm):
    shared = BooleanField(
        "この議事録（開催日・参加機関・議題・決まったこと）をつなぎ支援員と共有する"
    )
    participants = Checkboxes("会議に参加したつなぎ支援員", coerce=int)
    version = VersionField()


def sharing_form(db: Session, meeting: SupportMeeting, *, submitted: bool) -> MinutesSharingForm:
    """The form on the minutes page: every liaison, and anyone already recorded as taking part."""
    taking_part = minutes.participant_ids(db, meeting.id)
    names = staff_names(db)
    people = {user.id: user.display_name for user in liaisons(db)}
    people |= {i: names.get(i, str(i)) for i in taking_part if i not in people}
    form = MinutesSharingForm() if submitted else MinutesSharingForm(formdata=None)
    form.participants.choices = choices([(i, people[i]) for i in sorted(people)])
    if not submitted:
        form.shared.data = meeting.shared_with_liaison
        form.participants.data = taking_part
        form.version.data = meeting.version
    return form


def minutes_page(
    db: Session, referral: Referral, meeting: SupportMeeting, form: MinutesSharingForm
) -> str:
    """The printable minutes with the sharing form (for the dedicated staff)."""
    return render_template(
        "backoffice/casework/minutes.html",
        referral=referral,
        meeting=meeting,
        agencies=meetings.agency_names(db, meeting),
        recorded_by=staff_names(db).get(meeting.recorded_by_id or 0, ""),
        printed_at=utcnow(),
        jdate=jdate,
        sharing=form,
    )


@bp.route("/<int:referral_id>/meetings/<int:meeting_id>/sharing", methods=["POST"])
@requires("referral.edit")
def share_minutes(referral_id: int, meeting_id: int) -> Page:
    db, referral = get_session(), load_case(referral_id, "minutes sharing")
    meeting = load_meeting(referral, meeting_id)
    form = sharing_form(db, meeting, submitted=True)
    if form.validate():
        try:
            minutes.share_minutes(
                db, meeting, shared=form.shared.data, participants=form.participants.data or [],
                actor=current_actor(), expected_version=form.version.data,
            )  # fmt: skip
        except ConflictError:
            db.rollback()
            return render_template("backoffice/referrals/stale.html"), 409
        except meetings.MeetingError as error:
            attach_problems(form, error.problems)
        else:
            db.commit()
            flash(
                "議事録をつなぎ支援員と共有しました。"
                if meeting.shared_with_liaison
                else "議事録を市の内部だけにしました。"
            )
            return redirect(url_for(".minutes", referral_id=referral.id, meeting_id=meeting.id))
    html = minutes_page(db, referral, meeting, form)
    db.commit()  # the read of the case
    return html, 400


@bp.route("/minutes/<int:meeting_id>")
@requires("referral.read")
def shared_minutes(meeting_id: int) -> str:
    """Minutes the city shared: for a liaison of the case or one who took part."""
    db, actor = get_session(), current_actor()
    found = minutes.open_shared_minutes(db, meeting_id, actor)
    if found is None:
        abort(404)
    meeting, referral = found
    # The agencies at the meeting say what the person needed: a liaison sees them as the
    # consent lets them see the agencies linked.
    agencies = None
    if sees_all_cases(actor) or "linked_agencies" in liaison_fields(referral):
        agencies = meetings.agency_names(db, meeting)
    html = render_template(
        "backoffice/casework/shared_minutes.html",
        referral=referral,
        meeting=meeting,
        agencies=agencies,
        jdate=jdate,
    )
    db.commit()  # the audited read
    return html
