"""The audit viewer for auditors and administrators, with a CSV export that is itself audited."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta

from flask import Blueprint, Response, g, render_template, request, url_for
from sqlalchemy import Select, select

from backoffice.staff.permissions import requires
from backoffice.web.context import current_actor
from core import audit
from core.audit import AuditEvent
from core.csvsafe import neutralise
from core.db import get_session
from core.pagination import page_number, paginate
from core.timezone import TOKYO

bp = Blueprint("audit", __name__, url_prefix="/audit")
PER_PAGE = 50
# The days a filter may name: no event is older, and later ones would overflow once in UTC.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)
EXPORT_LIMIT = 50_000
CSV_COLUMNS = (
    "id",
    "occurred_at",
    "actor_login",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "client_network",
    "reason",
    "hash",
)


def _filters() -> dict[str, str]:
    keys = ("actor", "action", "object_type", "object_id", "since", "until")
    return {key: request.args.get(key, "").strip()[:64] for key in keys}


def _query(filters: dict[str, str]) -> tuple[Select, list[str]]:
    query, problems = select(AuditEvent), []
    if filters["actor"]:
        query = query.where(AuditEvent.actor_login == filters["actor"].casefold())
    if filters["action"]:
        query = query.where(AuditEvent.action.startswith(filters["action"], autoescape=True))
    if filters["object_type"]:
        query = query.where(AuditEvent.object_type == filters["object_type"])
    if filters["object_id"]:
        query = query.where(AuditEvent.object_id == filters["object_id"])
    for key, day_offset, compare in (("since", 0, "ge"), ("until", 1, "lt")):
        if not filters[key]:
            continue
        day, problem = _day(filters[key])
        if day is None:
            problems.append(problem)
            continue
        bound = datetime.combine(day + timedelta(days=day_offset), time(), TOKYO)
        column = AuditEvent.occurred_at
        query = query.where(column >= bound if compare == "ge" else column < bound)
    return query, list(dict.fromkeys(problems))


def _day(text: str) -> tuple[date | None, str]:
    """The day typed, if it is one the trail could hold (year 1 or 9999 would overflow in UTC)."""
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date()  # noqa: DTZ007
    except ValueError:
        return None, "日付は 2026-04-01 のように入力してください。"
    if not FIRST_DAY <= day <= LAST_DAY:
        return None, (
            f"日付は {FIRST_DAY.isoformat()} から {LAST_DAY.isoformat()} までの間で"
            "入力してください。"
        )
    return day, ""


@bp.route("/")
@requires("audit.read")
def index() -> tuple[str, int]:
    filters = _filters()
    query, problems = _query(filters)
    return _list_page(filters, query, problems)


def _list_page(filters: dict[str, str], query: Select, problems: list[str]) -> tuple[str, int]:
    db, newest_first = get_session(), query.order_by(AuditEvent.id.desc())
    number = page_number(request.args.get("page"))
    page = paginate(db, newest_first, number or 1, PER_PAGE)
    if number is None or number > page.pages:  # said, and the first page shown
        problems = [*problems, f"ページは 1 から {page.pages} までの番号で指定してください。"]
        if page.number != 1:
            page = paginate(db, newest_first, 1, PER_PAGE)
    export_url = url_for(".export", **{k: v for k, v in filters.items() if v})
    return render_template(
        "backoffice/audit.html",
        events=page.items,
        filters=filters,
        problems=problems,
        page=page.number,
        pages=page.pages,
        total=page.total,
        export_url=export_url,
        tokyo=TOKYO,
    ), 400 if problems else 200


@bp.route("/export.csv")
@requires("audit.export")
def export() -> Response | tuple[str, int]:
    filters = _filters()
    query, problems = _query(filters)
    if problems:  # nothing written, nothing recorded: the list shows what to correct
        return _list_page(filters, query, problems)
    db = get_session()
    events = db.scalars(query.order_by(AuditEvent.id).limit(EXPORT_LIMIT)).all()
    audit.record(
        db,
        action="audit.export",
        actor=g.staff_user,
        object_type="audit_event",
        client_network=current_actor().network,
        reason=f"{len(events)} events; filters: "
        + ", ".join(f"{k}={v}" for k, v in filters.items() if v),
    )
    db.commit()
    return Response(
        _csv(events),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit.csv"},
    )


def _csv(events: list[AuditEvent]) -> bytes:
    """UTF-8 with a BOM so Excel in Japan opens it; no cell can start a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for event in events:
        row = [getattr(event, column) for column in CSV_COLUMNS]
        row[1] = event.occurred_at.astimezone(TOKYO).isoformat()
        writer.writerow([neutralise(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
