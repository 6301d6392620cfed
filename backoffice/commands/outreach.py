"""`flask --app wsgi outreach ...`: anonymise closed outreach subjects past their retention;
legal hold.

The rules are `backoffice.outreach.records`, the same as for cases (`records purge`): a subject
closed (つなぎ完了 or 終了) is kept for the profile's retention_years from 1 April after its
closure. Run ``outreach purge --dry-run`` first to see what would go, then ``outreach purge``
(monthly from cron, beside ``records purge``). Each anonymised subject, and each change of legal
hold, is audited with the server shell as the actor.
"""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.orm import Session

from backoffice.commands.records import SHELL, _retention_years
from backoffice.outreach import records
from backoffice.outreach.records import RecordsError
from core.db import get_engine
from core.timezone import TOKYO

outreach_group = AppGroup(
    "outreach",
    help="Outreach subjects: anonymise closed subjects past retention; legal hold.",
)


@outreach_group.command("purge")
@click.option("--dry-run", is_flag=True, help="List the subjects that would go; change nothing.")
@with_appcontext
def purge_command(dry_run: bool) -> None:
    """Anonymise closed outreach subjects whose retention period is over.

    A subject is kept for the profile's retention_years counted from 1 April after it was
    closed. Subjects on legal hold are listed and kept. Anonymising clears the person's details,
    the agency's names, every note of its contacts and status history, and its matches, for
    good; the agency's kind, the concern, the district, the dates, the statuses, the contacts'
    results and the cards handed out remain for statistics.
    """
    today = datetime.now(TOKYO).date()
    with Session(get_engine()) as session, session.begin():
        years = _retention_years(session)
        try:
            due = records.due_subjects(session, today=today, years=years)
            if not dry_run:
                records.purge(session, today=today, years=years, actor=SHELL)
        except RecordsError as error:
            raise click.ClickException(str(error)) from error
    click.echo(f"retention: {years} years from 1 April after closure; today {today}")
    click.echo(f"{'subject':<14}{'closed':<12}purge date")
    for subject in due:
        held = "  (legal hold: kept)" if subject.legal_hold else ""
        click.echo(f"{subject.subject_number:<14}{subject.closed_on!s:<12}{subject.purge_on}{held}")
    going = sum(not subject.legal_hold for subject in due)
    if dry_run:
        click.echo(f"dry run: {going} subject(s) would be anonymised; nothing was changed")
    else:
        click.echo(f"anonymised {going} subject(s)")


@outreach_group.command("hold")
@click.argument("subject_number")
@click.option("--reason", required=True, help="Why the subject must be kept (no personal data).")
@with_appcontext
def hold_command(subject_number: str, reason: str) -> None:
    """Put a subject on legal hold: it is not anonymised until released."""
    _set_hold(subject_number, True, reason)


@outreach_group.command("release")
@click.argument("subject_number")
@click.option("--reason", required=True, help="Why the hold ends (no personal data).")
@with_appcontext
def release_command(subject_number: str, reason: str) -> None:
    """Release a subject from legal hold: it is anonymised once past its retention."""
    _set_hold(subject_number, False, reason)


def _set_hold(subject_number: str, hold: bool, reason: str) -> None:
    with Session(get_engine()) as session, session.begin():
        subject = records.find_subject(session, subject_number)
        if subject is None:
            raise click.ClickException(f"no outreach subject numbered {subject_number!r}")
        try:
            changed = records.set_legal_hold(session, subject, hold, actor=SHELL, reason=reason)
        except RecordsError as error:
            raise click.ClickException(str(error)) from error
        number = subject.subject_number
    state = "on legal hold" if hold else "released from legal hold"
    click.echo(f"{number}: {state}" if changed else f"{number}: already {state}")
