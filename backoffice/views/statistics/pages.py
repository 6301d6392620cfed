"""The statistics pages: an overview of the areas, and a page per area with the period
selector, every figure as a table and a chart of the same numbers.

Only figures: no case, subject, case number or name is read or shown (the figures are counts
from `backoffice.statistics.figures`). Every view needs ``stats.read`` (analysts, coordinators,
supervisors).
"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from backoffice.staff.permissions import requires
from backoffice.statistics.charts import bar_chart
from backoffice.statistics.figures import AREAS, area_tables
from backoffice.statistics.periods import Period, wareki_fiscal_year
from backoffice.statistics.tables import shown
from backoffice.views.statistics.forms import (
    PeriodForm,
    chosen_period,
    default_period,
    reads_cases,
)
from backoffice.web.context import current_actor
from core.db import get_session
from core.timezone import tokyo_today
from core.web import current_profile

bp = Blueprint("statistics", __name__, url_prefix="/statistics")
FIELDS = ("kind", "year", "month", "start", "end")  # the period, kept when another area is opened


@bp.route("/")
@requires("stats.read")
def index() -> str:
    return render_template("backoffice/statistics/index.html", areas=AREAS)


@requires("stats.read")
def area(area: str) -> str:
    today = tokyo_today()
    form = PeriodForm(request.args)
    asked = bool(request.args)
    whole_months = not reads_cases(current_actor())
    period = chosen_period(form, today, whole_months=whole_months) if asked else None
    refused = asked and period is None
    if period is None:  # nothing asked, or a period that cannot be: the current fiscal year
        period = default_period(today)
    if not asked:
        form.year.data = str(period.start.year)
    keep = {name: request.args.get(name, "")[:10] for name in FIELDS if name in request.args}
    db = get_session()
    tables = area_tables(db, period, area, districts=current_profile().districts)
    db.commit()  # days the figures computed for the first time, or again, are kept (`rollups`)
    figures = [(t, bar_chart(t, f"chart-{n}")) for n, t in enumerate(tables, start=1)]
    return render_template(
        "backoffice/statistics/area.html",
        area=area,
        areas=AREAS,
        form=form,
        period=period,
        refused=refused,
        figures=figures,
        keep=keep,
        period_args=period_args(period),
        shown=shown,
        fiscal_years=[wareki_fiscal_year(y) for y in period.fiscal_years],
    )


def period_args(period: Period) -> dict[str, str]:
    """The GET fields that ask for ``period``: for the download links of the page."""
    if period.kind == "range":
        return {"kind": "range", "start": period.start.isoformat(), "end": period.last.isoformat()}
    if period.kind == "month":
        return {"kind": "month", "year": str(period.start.year), "month": str(period.start.month)}
    return {"kind": "fiscal_year", "year": str(period.start.year)}


# One address per area (/statistics/referrals, ...): no other is served.
for _key in AREAS:
    bp.add_url_rule(f"/{_key}", view_func=area, defaults={"area": _key})
