"""`flask --app wsgi stats export`: a fiscal year's figures as a file, for cron and scripts.

``--format csv`` writes every table in one CSV (UTF-8 with BOM, for Japanese Excel), ``xlsx``
the annual report's workbook (a cover sheet, the report on one sheet, one sheet per table) and
``pdf`` the annual report. ``--publication`` makes the figures safe to leave the office (small
numbers hidden as 「*」, see `backoffice.statistics.suppression`); without it the counts are
exact and the file is for internal use. Each export is audited with the server shell as actor.

``stats rebuild`` computes the referral figures' daily totals again, every day from the first
case to yesterday (`backoffice.statistics.rollup_fill`): after restoring a backup, or writes made
around the application (SQL by hand), which the totals cannot have seen.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.orm import Session

from backoffice.commands.records import SHELL
from backoffice.statistics import rollup_fill
from backoffice.statistics.exports import prepare
from backoffice.statistics.figures import all_tables
from backoffice.statistics.periods import Period, PeriodError
from backoffice.statistics.report import export_file
from cards.fonts import FontMissing
from core import audit
from core.db import get_engine
from core.profile import get_profile, read_profile_file

COMMAND_FORMATS = {"csv": "csv", "xlsx": "report.xlsx", "pdf": "report.pdf"}
stats_group = AppGroup("stats", help="Statistics: export a fiscal year's figures as a file.")


@stats_group.command("export")
@click.option(
    "--fiscal-year",
    type=click.IntRange(1989, 2200),
    required=True,
    help="The fiscal year that starts in April of this year (2026: April 2026 to March 2027).",
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(list(COMMAND_FORMATS)),
    required=True,
    help="csv: every table; xlsx or pdf: the annual report.",
)
@click.option(
    "--publication",
    is_flag=True,
    help="Hide small numbers so the file may leave the office (default: exact, internal).",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
    help="The file to write (replaced if it exists).",
)  # fmt: skip
@with_appcontext
def export_command(fiscal_year: int, file_format: str, publication: bool, output: Path) -> None:
    """Write the fiscal year's statistics to a file (internal unless --publication)."""
    settings = current_app.config["TSUNAGU_SETTINGS"]
    try:
        period = Period.fiscal_year(fiscal_year)
    except PeriodError as error:
        raise click.ClickException(str(error)) from error
    with Session(get_engine()) as session, session.begin():
        profile = get_profile(session, read_profile_file(settings.profile_path))
        tables = all_tables(session, period, districts=profile.districts)
        export = prepare(
            tables, period, publication=publication,
            threshold=profile.statistics_publication_threshold,
        )  # fmt: skip
        try:
            made = export_file(
                export, COMMAND_FORMATS[file_format], profile.name, settings.card_font_path or None
            )
        except FontMissing as error:
            raise click.ClickException(str(error)) from error
        output.write_bytes(made.content)
        mode = "publication" if publication else "internal"
        audit.record(
            session, action="statistics.export", actor=SHELL, client_network=SHELL.network,
            object_type="statistics", object_id=period.slug, reason=f"{file_format} {mode}",
        )  # fmt: skip
    click.echo(f"{period.label}: {len(export.tables)} tables, {mode}, written to {output}")


@stats_group.command("rebuild")
@with_appcontext
def rebuild_command() -> None:
    """Compute every day's referral totals again (after a restore or SQL by hand).

    Pages and files keep the totals up to date themselves: run this after restoring a backup
    or changing cases with SQL outside the application, e.g. nightly from cron.
    """
    with Session(get_engine()) as session, session.begin():
        days = rollup_fill.rebuild(session)
    click.echo(f"statistics: the daily totals of {days} days computed again")
