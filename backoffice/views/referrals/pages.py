"""The referral area's four blueprints and what their pages share: one loader per record (the
case, a meeting, a link, a task), each answering 404 outside the signed-in user's scope; the
answer after an action; the limit on saves that check contact details; the error pages.

The blueprints keep their names (``referrals``, ``referral_actions``, ``casework``,
``records``), so every endpoint is ``<blueprint>.<view function>`` as before.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NoReturn

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from backoffice.referrals import duplicates
from backoffice.referrals.casework import ReferralLink, SupportMeeting, Task
from backoffice.referrals.guard import AnonymisedCaseError
from backoffice.referrals.models import Referral
from backoffice.referrals.scopes import open_referral, sees_all_cases
from backoffice.staff.models import StaffUser
from backoffice.web.context import current_actor
from backoffice.web.ratelimit import limiter
from core.db import get_session
from core.timezone import TOKYO

bp = Blueprint("referrals", __name__, url_prefix="/referrals")
actions_bp = Blueprint("referral_actions", __name__, url_prefix="/referrals")
casework_bp = Blueprint("casework", __name__, url_prefix="/referrals")
records_bp = Blueprint("records", __name__, url_prefix="/referrals")
Page = Response | str | tuple[str, int]


# ---- loaders ----------------------------------------------------------------------------------


def load_case(referral_id: int, why: str = "view") -> Referral:
    """The case in the signed-in user's scope, its read audited; 404 otherwise."""
    referral = open_referral(get_session(), referral_id, current_actor(), why=why)
    if referral is None:
        abort(404)
    return referral


def load_whole_case(referral_id: int, why: str) -> Referral:
    """The case, its read audited; 404 outside the user's scope, or for anyone who would see
    only part of it (an export is the whole case)."""
    actor = current_actor()
    referral = open_referral(get_session(), referral_id, actor, why=why)
    if referral is None or not sees_all_cases(actor):
        abort(404)
    return referral


def _child(model: type[Any], record_id: int, referral: Referral) -> Any:
    record = get_session().get(model, record_id)
    if record is None or record.referral_id != referral.id:
        refuse(404)
    return record


def load_meeting(referral: Referral, meeting_id: int) -> SupportMeeting:
    return _child(SupportMeeting, meeting_id, referral)


def load_link(referral: Referral, link_id: int) -> ReferralLink:
    return _child(ReferralLink, link_id, referral)


def load_task(referral: Referral, task_id: int) -> Task:
    return _child(Task, task_id, referral)


def refuse(status: int) -> NoReturn:
    """Answer with an error, dropping the case's read (nothing of it was shown)."""
    get_session().rollback()  # also frees the audit chain's lock before the response is sent
    abort(status)


# ---- what the pages share ---------------------------------------------------------------------


def done(referral: Referral, message: str) -> Response:
    """After an accepted action: commit, say so, back to the case."""
    get_session().commit()
    flash(message)
    return redirect(url_for("referrals.detail", referral_id=referral.id))


def staff_names(db: Session) -> dict[int, str]:
    return {
        row.id: row.display_name for row in db.execute(select(StaffUser.id, StaffUser.display_name))
    }


def now_local() -> datetime:
    """Now on the Tokyo wall clock, to the minute, as a form's date-time field holds it."""
    return datetime.now(UTC).astimezone(TOKYO).replace(tzinfo=None, second=0, microsecond=0)


def aware(value: datetime | None) -> datetime | None:
    """A form's local date-time (Tokyo wall clock) as an aware UTC value."""
    if value is None:
        return None
    return value.replace(tzinfo=TOKYO).astimezone(UTC)


# ---- limits and error pages -------------------------------------------------------------------


def _signed_in_user() -> str:
    """The limit's key: the user (decorated limits are checked when the view is called, after
    the gate has put the user on ``g``)."""
    return f"referral-user:{g.staff_user.id}"


# Each stored case checks its contact details against every other case (`duplicates`): limited
# per user, counting only the saves that checked, so that nobody can probe many numbers.
duplicate_check_limit = limiter.limit(
    lambda: duplicates.CHECKS_PER_USER,
    key_func=_signed_in_user,
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 302,
)


@bp.errorhandler(RateLimitExceeded)
def too_many_checks(error: RateLimitExceeded) -> tuple[str, int]:
    """Too many cases stored or edited in a row: refused before the view ran, nothing stored.
    (Only this blueprint's limit: the sign-in pages keep their own 429 page.)"""
    return render_template("backoffice/referrals/too_many.html"), 429


@bp.app_errorhandler(AnonymisedCaseError)
def closed_case(error: AnonymisedCaseError) -> tuple[str, int]:
    """Any change to an anonymised case, wherever it came from: refused, nothing written."""
    get_session().rollback()
    return render_template("backoffice/referrals/closed.html", message=str(error)), 409


@bp.app_errorhandler(StaleDataError)
def saved_meanwhile(error: StaleDataError) -> tuple[str, int]:
    """Two saves of one version at the same moment: the later one is refused, not merged."""
    get_session().rollback()
    return render_template("backoffice/referrals/stale.html"), 409
