"""`flask --app wsgi records ...`: anonymise closed cases past their retention; legal hold;
clear what older cases hold outside their consent.

Run ``records purge --dry-run`` first to see what would go, then ``records purge`` (for instance
once a month from cron). Each anonymised case, and each change of legal hold, is audited.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.orm import Session

from backoffice.commands.retention import SHELL, Retained, add_legal_hold_commands, purge_records
from backoffice.referrals import consent, retention
from core.db import get_engine

records_group = AppGroup(
    "records",
    help="Case records: anonymise closed cases past retention; legal hold; clear what the "
    "consent does not cover.",
)
CASES = Retained(
    noun="case",
    unknown="no case numbered {number!r}",
    number="case_number",
    due=retention.due_cases,
    purge=retention.purge,
    find=retention.find_case,
    set_legal_hold=retention.set_legal_hold,
)


@records_group.command("purge")
@click.option("--dry-run", is_flag=True, help="List the cases that would go; change nothing.")
@with_appcontext
def purge_command(dry_run: bool) -> None:
    """Anonymise closed cases whose retention period is over.

    A case is kept for the profile's retention_years counted from 1 April after its support
    ended. Cases on legal hold are listed and kept. Anonymising clears the person's details and
    every free-text note for good; only the coarse figures statistics use remain.
    """
    purge_records(CASES, dry_run=dry_run)


add_legal_hold_commands(records_group, CASES)


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
