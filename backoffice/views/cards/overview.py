"""The cards home page: every batch and design, and how often cards were scanned, by month and
by purpose."""

from __future__ import annotations

from flask import render_template

from backoffice.staff.permissions import requires
from backoffice.views.cards.forms import PURPOSE_LABELS
from backoffice.views.cards.pages import bp
from cards import batches as batch_service
from cards.designs import all_designs
from cards.stats import (
    Bar,
    bar_chart,
    last_months,
    monthly_by_purpose,
    shows_figures,
    totals_by_batch,
)
from core.db import get_session
from core.timezone import tokyo_today
from core.web import current_profile


@bp.route("/")
@requires("cards.print")
def index() -> str:
    db = get_session()
    minimum = current_profile().statistics_minimum_batch
    months = last_months(tokyo_today())
    by_purpose = monthly_by_purpose(db, months=months, minimum_batch=minimum)
    totals = {m: sum(row[m] for row in by_purpose.values()) for m in months}
    chart = bar_chart(
        [Bar(f"{m}月", totals[(y, m)]) for y, m in months], title="月ごとの読み取り回数"
    )
    batches = batch_service.batches(db)
    return render_template(
        "backoffice/cards/index.html",
        batches=batches,
        shown={b.id for b in batches if shows_figures(b, minimum)},
        totals=totals_by_batch(db, minimum_batch=minimum),
        minimum_batch=minimum,
        designs=all_designs(db),
        months=months,
        by_purpose=by_purpose,
        month_totals=totals,
        chart=chart,
        purposes=PURPOSE_LABELS,
    )
