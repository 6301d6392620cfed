"""Statistics as files: an area's figures (CSV, XLSX) and the annual report (PDF, XLSX).

The period comes from the same GET fields as the pages (`forms.PeriodForm`); ``publication=1``
asks for the figures made safe to leave the office (`backoffice.statistics.suppression`, the
profile's threshold). Every download is audited: a file of statistics leaves the screen.
"""

from __future__ import annotations

from flask import abort, current_app, request
from werkzeug.wrappers import Response

from backoffice.staff.permissions import requires
from backoffice.statistics.exports import ExportFile, prepare
from backoffice.statistics.figures import AREAS, all_tables, area_tables
from backoffice.statistics.periods import Period
from backoffice.statistics.report import export_file
from backoffice.statistics.tables import Table
from backoffice.views.statistics.forms import (
    PeriodForm,
    chosen_period,
    default_period,
    reads_cases,
)
from backoffice.views.statistics.pages import bp
from backoffice.web.context import current_actor
from cards.fonts import FontMissing
from core import audit
from core.db import get_session
from core.timezone import tokyo_today
from core.web import current_profile

AREA_FORMATS = ("csv", "xlsx")
REPORT_FORMATS = {"pdf": "report.pdf", "xlsx": "report.xlsx"}


def _period() -> Period:
    """The period the query asks for (the current fiscal year when it asks none); 400 if wrong."""
    if not any(name in request.args for name in ("kind", "year", "month", "start", "end")):
        return default_period(tokyo_today())
    whole_months = not reads_cases(current_actor())
    period = chosen_period(PeriodForm(request.args), tokyo_today(), whole_months=whole_months)
    if period is None:
        abort(400)
    return period


def _send(tables: list[Table], period: Period, file_format: str, what: str) -> Response:
    profile = current_profile()
    publication = request.args.get("publication") == "1"
    export = prepare(
        tables, period, publication=publication,
        threshold=profile.statistics_publication_threshold,
    )  # fmt: skip
    font = current_app.config["TSUNAGU_SETTINGS"].card_font_path or None
    try:
        made: ExportFile = export_file(export, file_format, profile.name, font)
    except FontMissing:
        abort(503)
    actor = current_actor()
    mode = "publication" if publication else "internal"
    db = get_session()
    audit.record(
        db, action="statistics.export", actor=actor, client_network=actor.network,
        object_type="statistics", object_id=period.slug, reason=f"{what} {file_format} {mode}",
    )  # fmt: skip
    db.commit()
    response = current_app.response_class(made.content, mimetype=made.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{made.filename}"'
    return response


@requires("stats.read")
def area_download(area: str, file_format: str) -> Response:
    period = _period()
    districts = current_profile().districts
    tables = area_tables(get_session(), period, area, districts=districts)
    return _send(tables, period, file_format, area)


@requires("stats.read")
def report_download(file_format: str) -> Response:
    period = _period()
    tables = all_tables(get_session(), period, districts=current_profile().districts)
    return _send(tables, period, REPORT_FORMATS[file_format], "report")


# One address per area and format (/statistics/referrals.csv, ...) and per report format
# (/statistics/report.pdf, /statistics/report.xlsx): no other is served.
for _format in REPORT_FORMATS:
    bp.add_url_rule(
        f"/report.{_format}",
        endpoint=f"report_download_{_format}",
        view_func=report_download,
        defaults={"file_format": _format},
    )
for _key in AREAS:
    for _format in AREA_FORMATS:
        bp.add_url_rule(
            f"/{_key}.{_format}",
            endpoint=f"area_download_{_key}_{_format}",
            view_func=area_download,
            defaults={"area": _key, "file_format": _format},
        )
