"""Attendance: one's own trainings (every account), a staff member's history and the list of
who has not yet attended the fiscal year's required training (administrators, the city's
dedicated staff and supervisors)."""

from __future__ import annotations

from flask import abort, render_template, request
from werkzeug.wrappers import Response

from backoffice.staff.models import StaffUser
from backoffice.staff.permissions import requires
from backoffice.training import history
from backoffice.training.vocabulary import KIND_LABELS, ORGANISER_LABELS
from backoffice.views.training.pages import bp
from backoffice.web.context import current_actor
from backoffice.web.forms import number
from core.db import get_session
from core.timezone import tokyo_today
from core.web import current_profile

LABELS = {"kinds": KIND_LABELS, "organisers": ORGANISER_LABELS}


@bp.get("/mine")
@requires("account.manage_own")
def mine() -> str:
    actor = current_actor()
    trainings = history.history_of(get_session(), actor.id) if actor.id is not None else []
    return render_template(
        "backoffice/training/history.html", person=None, trainings=trainings, **LABELS
    )


@bp.get("/staff/<int:staff_id>")
@requires("training.roster")
def staff_history(staff_id: int) -> Response | str:
    db = get_session()
    person = db.get(StaffUser, staff_id)
    if person is None:
        abort(404)
    trainings = history.read_history(db, person, actor=current_actor())
    db.commit()  # the audited read
    return render_template(
        "backoffice/training/history.html", person=person, trainings=trainings, **LABELS
    )


@bp.get("/required")
@requires("training.roster")
def required() -> str | tuple[str, int]:
    this_year = history.fiscal_year_of(tokyo_today())
    raw = request.args.get("year")
    year = number(raw, digits=4) if raw else this_year
    if year is None or not 2000 <= year <= 2100:
        year, status = this_year, 400
    else:
        status = 200
    requirement = history.requirement_of(current_profile())
    shortfalls = history.not_attended(get_session(), requirement, year)
    first, last = history.fiscal_year_bounds(year)
    html = render_template(
        "backoffice/training/required.html",
        requirement=requirement,
        shortfalls=shortfalls,
        year=year,
        first=first,
        last=last,
        years=range(this_year + 1, this_year - 6, -1),
    )
    return html, status
