"""The staff dashboard: the first page after sign-in; for the dedicated staff, their work list;
for an NPO liaison, their つなぎ支援 cases, the follow-ups due and what the city shared.

The lists show case numbers, dates and staff names, never the person's data, a task's or a
note's text, so opening the dashboard reads no case (the case page does, and audits it).
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.outreach import visits
from backoffice.referrals import escalation, liaison_desk
from backoffice.referrals.vocabulary import STATUS_LABELS
from backoffice.staff.models import StaffUser
from backoffice.staff.permissions import permissions_for, requires
from backoffice.web.context import current_actor
from core.db import get_session, utcnow
from core.timezone import tokyo_today

bp = Blueprint("dashboard", __name__)


@bp.route("/")
@requires("dashboard.view")
def index() -> str:
    granted = permissions_for(g.staff_user.roles)
    if "referral.edit" not in granted and "referral.read" in granted:
        db = get_session()
        return render_template(
            "backoffice/dashboard.html",
            work=None,
            desk=liaison_desk.desk(db, current_actor(), utcnow()),
            names=_names(db),
            statuses=STATUS_LABELS,
        )
    if "referral.edit" not in granted:
        return render_template("backoffice/dashboard.html", work=None)
    db = get_session()
    hours = current_app.config["TSUNAGU_SETTINGS"].urgent_contact_hours
    return render_template(
        "backoffice/dashboard.html",
        work=escalation.worklist(db, g.staff_user.id, utcnow(), hours=hours),
        names=_names(db),
        statuses=STATUS_LABELS,
        hours=hours,
        supervision="referral.supervise" in granted,
        # プッシュ型支援: planned visits past their business-day deadline (numbers and dates).
        outreach=visits.overdue_contacts(db, tokyo_today()) if "outreach.read" in granted else None,
    )


def _names(db: Session) -> dict[int, str]:
    return {u.id: u.display_name for u in db.execute(select(StaffUser.id, StaffUser.display_name))}
