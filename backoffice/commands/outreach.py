"""`flask --app wsgi outreach ...`: anonymise closed outreach subjects past their retention;
legal hold.

The rules are `backoffice.outreach.records`, the same as for cases (`records purge`): a subject
closed (つなぎ完了 or 終了) is kept for the profile's retention_years from 1 April after its
closure. Run ``outreach purge --dry-run`` first to see what would go, then ``outreach purge``
(monthly from cron, beside ``records purge``). Each anonymised subject, and each change of legal
hold, is audited with the server shell as the actor.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from backoffice.commands.retention import Retained, add_legal_hold_commands, purge_records
from backoffice.outreach import records

outreach_group = AppGroup(
    "outreach",
    help="Outreach subjects: anonymise closed subjects past retention; legal hold.",
)
SUBJECTS = Retained(
    noun="subject",
    unknown="no outreach subject numbered {number!r}",
    number="subject_number",
    due=records.due_subjects,
    purge=records.purge,
    find=records.find_subject,
    set_legal_hold=records.set_legal_hold,
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
    purge_records(SUBJECTS, dry_run=dry_run)


add_legal_hold_commands(outreach_group, SUBJECTS)
