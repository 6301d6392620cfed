"""`flask --app wsgi records ...`: anonymise closed cases past their retention; legal hold;
clear what older cases hold outside their consent.

Run ``records purge --dry-run`` first to see what would go, then ``records purge`` (for instance
once a month from cron). Each anonymised case, and each change of legal hold, is audited.
"""

from __future__ import annotations

from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.orm import Session

from backoffice.referrals import consent, retention
from backoffice.referrals.records import RecordsError
from backoffice.staff.actor import Actor
from core.db import get_engine
from core.profile import get_profile, read_profile_file

records_group = AppGroup(
    "records",
    help="Case records: anonymise closed cases past retention; legal hold; clear what the "
    "consent does not cover.",
)
SHELL = Actor(None, "server shell")  # nobody signed in: the audit trail names the shell


def _retention_years(session: Session) -> int:
    settings = current_app.config["TSUNAGU_SETTINGS"]
    return get_profile(session, read_profile_file(settings.profile_path)).retention_years


@records_group.command("purge")
@click.option("--dry-run", is_flag=True, help="List the cases that would go; change nothing.")
@with_appcontext
def purge_command(dry_run: bool) -> None:
    """Anonymise closed cases whose retention period is over.

    A case is kept for the profile's retention_years counted from 1 April after its support
    ended. Cases on legal hold are listed and kept. Anonymising clears the person's details and
    every free-text note for good; only the coarse figures statistics use remain.
    """
    today = datetime.now(retention.TOKYO).date()
    with Session(get_engine()) as session, session.begin():
        years = _retention_years(session)
        try:
            due = retention.due_cases(session, today=today, years=years)
            if not dry_run:
                retention.purge(session, today=today, years=years, actor=SHELL)
        except RecordsError as error:
            raise click.ClickException(str(error)) from error
    click.echo(f"retention: {years} years from 1 April after closure; today {today}")
    click.echo(f"{'case':<14}{'closed':<12}purge date")
    for case in due:
        held = "  (legal hold: kept)" if case.legal_hold else ""
        click.echo(f"{case.case_number:<14}{case.closed_on!s:<12}{case.purge_on}{held}")
    going = sum(not case.legal_hold for case in due)
    if dry_run:
        click.echo(f"dry run: {going} case(s) would be anonymised; nothing was changed")
    else:
        click.echo(f"anonymised {going} case(s)")


@records_group.command("hold")
@click.argument("case_number")
@click.option("--reason", required=True, help="Why the case must be kept (no personal data).")
@with_appcontext
def hold_command(case_number: str, reason: str) -> None:
    """Put a case on legal hold: it is not anonymised until released."""
    _set_hold(case_number, True, reason)


@records_group.command("release")
@click.argument("case_number")
@click.option("--reason", required=True, help="Why the hold ends (no personal data).")
@with_appcontext
def release_command(case_number: str, reason: str) -> None:
    """Release a case from legal hold: it is anonymised once past its retention."""
    _set_hold(case_number, False, reason)


def _set_hold(case_number: str, hold: bool, reason: str) -> None:
    with Session(get_engine()) as session, session.begin():
        referral = retention.find_case(session, case_number)
        if referral is None:
            raise click.ClickException(f"no case numbered {case_number!r}")
        try:
            changed = retention.set_legal_hold(session, referral, hold, actor=SHELL, reason=reason)
        except RecordsError as error:
            raise click.ClickException(str(error)) from error
        number = referral.case_number
    state = "on legal hold" if hold else "released from legal hold"
    click.echo(f"{number}: {state}" if changed else f"{number}: already {state}")


def setup_consent(session: Session, _profile: object) -> str:
    """A ``tsunagu init`` step: what older cases hold outside their consent is not kept.

    The consent binds what the city stores (decision 0014); a case stored before it did may
    still hold a part the person did not agree to share. Clearing it on upgrade, audited by
    field names, keeps the rule true for every case, not only the new ones.
    """
    found = consent.clear_unconsented(session, apply=True, actor=SHELL)
    return f"consent: cleared what {len(found)} older case(s) held outside their consent"


@records_group.command("clear-unconsented")
@click.option("--apply", is_flag=True, help="Clear the fields; without it, only list them.")
@with_appcontext
def clear_unconsented_command(apply: bool) -> None:
    """List (or with --apply, clear) what cases stored before the consent bound the city hold
    outside their consent: a part the person did not agree to share is not kept. Each cleared
    case is audited with the names of its fields, never their values."""
    with Session(get_engine()) as session, session.begin():
        found = consent.clear_unconsented(session, apply=apply, actor=SHELL)
    for case_number, fields in found:
        click.echo(f"{case_number:<14}{', '.join(fields)}")
    if apply:
        click.echo(f"cleared {len(found)} case(s)")
    else:
        click.echo(f"{len(found)} case(s) hold values outside their consent; nothing was changed")
