"""``tsunagu demo-cases N``: synthetic cases to try the statistics on, in development only.

Additive: each run adds N more synthetic referrals (and outreach subjects, visits, card
hand-outs and trainings) after what is there; nothing existing is changed. Refused in
production. The run is audited with the server shell as the actor.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.commands.records import SHELL
from backoffice.staff.models import StaffUser
from backoffice.statistics import demo
from core import audit
from core.db import get_engine
from core.migrate import current_revision
from core.profile import get_profile, read_profile_file

REFUSED = (
    "demo-cases is refused in production: it adds synthetic cases, which have no place beside "
    "real ones (TSUNAGU_ENV=production)"
)


@click.command("demo-cases")
@click.argument("count", type=click.IntRange(min=1, max=1_000_000))
@click.option("--seed", type=int, default=None, help="Repeat the same random choices.")
@with_appcontext
def demo_cases_command(count: int, seed: int | None) -> None:
    """Add COUNT synthetic referrals spread over the last three fiscal years (development only).

    Also outreach subjects (one per ten referrals) with visits, card batches with hand-outs and
    scans, and trainings. Every case is marked synthetic: a pseudonym 「合成データ 000123」,
    case numbers starting with S-. Additive: running it again adds COUNT more.
    """
    settings = current_app.config["TSUNAGU_SETTINGS"]
    if settings.production:
        raise click.ClickException(REFUSED)
    engine = get_engine()
    if current_revision(engine) is None:
        raise click.ClickException("the database is empty: run `flask --app wsgi tsunagu init`")
    with Session(engine) as session, session.begin():
        staff = list(
            session.scalars(select(StaffUser.id).where(StaffUser.active).order_by(StaffUser.id))
        )
        if not staff:
            raise click.ClickException(
                "no staff account to assign the cases to: run `flask --app wsgi tsunagu demo`"
            )
        profile = get_profile(session, read_profile_file(settings.profile_path))
        summary = demo.generate(
            session, count, staff_ids=staff, districts=profile.districts, seed=seed
        )
        audit.record(
            session,
            action="demo.cases",
            actor=SHELL,
            object_type="referral",
            client_network=SHELL.network,
            reason=f"synthetic: {summary.line()}",
        )
    click.echo(f"demo-cases: added {summary.line()}")
