"""The list of one's own notifications, marking them read, and the header's count.

Every notification names a case by its number only; the link leads to the case page, which
checks the scope again and audits the read. Another member's notification is not found.
"""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from backoffice.notifications import outbox
from backoffice.notifications.texts import KIND_LABELS
from backoffice.staff.permissions import requires
from backoffice.web.context import current_actor
from backoffice.web.forms import EmptyForm
from core.db import get_session, utcnow
from core.pagination import page_number, paginate

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
PER_PAGE = 50


@bp.app_context_processor
def header_count() -> dict[str, object]:
    return {"unread_notifications": unread_notifications}


def unread_notifications() -> int:
    """The header's count; nothing on an error page, which reads no database."""
    if g.get("staff_user") is None or g.get("error_page"):
        return 0
    if "unread_notifications" not in g:
        g.unread_notifications = outbox.unread_count(get_session(), current_actor())
    return g.unread_notifications


@bp.route("/")
@requires("dashboard.view")
def index() -> str:
    number = page_number(request.args.get("page"))
    if number is None:
        abort(404)
    page = paginate(get_session(), outbox.listed(current_actor()), number, PER_PAGE)
    return render_template(
        "backoffice/notifications/index.html", page=page, kinds=KIND_LABELS, form=EmptyForm()
    )


@bp.route("/<int:notification_id>/read", methods=["POST"])
@requires("dashboard.view")
def mark_read(notification_id: int) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    db, actor = get_session(), current_actor()
    if not outbox.owns(db, actor, notification_id):
        abort(404)
    outbox.mark_read(db, actor, utcnow(), notification_id)
    db.commit()
    return redirect(url_for("notifications.index"))


@bp.route("/read", methods=["POST"])
@requires("dashboard.view")
def mark_all_read() -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    db = get_session()
    outbox.mark_read(db, current_actor(), utcnow())
    db.commit()
    return redirect(url_for("notifications.index"))
