"""The audit viewer for auditors and administrators, with a CSV export that is itself audited."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, g, render_template, request, url_for
from sqlalchemy import Select, func, select

from backoffice.context import current_actor
from backoffice.permissions import requires
from core import audit
from core.audit import AuditEvent
from core.csvsafe import neutralise
from core.db import get_session

bp = Blueprint("audit", __name__, url_prefix="/audit")
TOKYO = ZoneInfo("Asia/Tokyo")
PER_PAGE = 50
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
        try:
            day = datetime.strptime(filters[key], "%Y-%m-%d").date()  # noqa: DTZ007
        except ValueError:
            problems.append("日付は 2026-04-01 のように入力してください。")
            continue
        bound = datetime.combine(day + timedelta(days=day_offset), time(), TOKYO)
        column = AuditEvent.occurred_at
        query = query.where(column >= bound if compare == "ge" else column < bound)
    return query, problems


@bp.route("/")
@requires("audit.read")
def index() -> tuple[str, int]:
    filters = _filters()
    query, problems = _query(filters)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    db = get_session()
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    events = db.scalars(
        query.order_by(AuditEvent.id.desc()).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    pages = max(1, -(-total // PER_PAGE))
    export_url = url_for(".export", **{k: v for k, v in filters.items() if v})
    return render_template(
        "backoffice/audit.html",
        events=events,
        filters=filters,
        problems=problems,
        page=page,
        pages=pages,
        total=total,
        export_url=export_url,
        tokyo=TOKYO,
    ), 400 if problems else 200


@bp.route("/export.csv")
@requires("audit.export")
def export() -> Response:
    filters = _filters()
    query, _ = _query(filters)
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
