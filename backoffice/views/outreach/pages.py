"""The outreach blueprint and its loaders: a subject outside the user's permissions is "not
found", and every load is an audited read."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from backoffice.outreach.models import OutreachContact, OutreachSubject
from backoffice.outreach.scopes import open_subject
from backoffice.staff.models import StaffUser
from backoffice.web.context import current_actor
from core.db import get_session

bp = Blueprint("outreach", __name__, url_prefix="/outreach")


def load_subject(subject_id: int, why: str = "view") -> OutreachSubject:
    subject = open_subject(get_session(), subject_id, current_actor(), why=why)
    if subject is None:
        get_session().rollback()
        abort(404)
    return subject


def load_contact(subject: OutreachSubject, contact_id: int) -> OutreachContact:
    contact = get_session().get(OutreachContact, contact_id)
    if contact is None or contact.subject_id != subject.id:
        get_session().rollback()
        abort(404)
    return contact


def done(subject: OutreachSubject, message: str) -> Response:
    get_session().commit()
    flash(message)
    return redirect(url_for("outreach.detail", subject_id=subject.id))


def staff_names(db: Session) -> dict[int, str]:
    return {r.id: r.display_name for r in db.execute(select(StaffUser.id, StaffUser.display_name))}
