"""What every kind of record kept for a retention period gives the shell, written once: ``purge``
anonymises what is past its retention (what is on legal hold is listed and kept; ``--dry-run``
only lists), ``hold`` and ``release`` set the legal hold. Each runs in one transaction, audited
with the server shell as the actor. An area (`records` for cases, `outreach` for subjects) gives
its own rules and words in a `Retained`, and keeps its purge command's help, which says what
anonymising clears there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.orm import Session

from backoffice.referrals.records import RecordsError
from backoffice.staff.actor import Actor
from core.db import get_engine
from core.profile import get_profile, read_profile_file
from core.timezone import tokyo_today

SHELL = Actor(None, "server shell")  # nobody signed in: the audit trail names the shell


@dataclass(frozen=True)
class Retained:
    """One area's records under retention, as the commands use them."""

    noun: str  # one record, as the listing, the counts and the help name it: "case"
    unknown: str  # the refusal of a number that finds nothing, with {number!r}
    number: str  # the attribute holding the record's number, on a due row and on a record
    # (session, *, today, years) -> the rows past retention: number, closed_on, purge_on,
    # legal_hold; and (same, actor=) anonymising those not on legal hold.
    due: Callable[..., Sequence[Any]]
    purge: Callable[..., object]
    find: Callable[[Session, str], Any]  # the record of a number, or None
    set_legal_hold: Callable[..., bool]  # (session, record, hold, *, actor, reason): changed?


def retention_years(session: Session) -> int:
    settings = current_app.config["TSUNAGU_SETTINGS"]
    return get_profile(session, read_profile_file(settings.profile_path)).retention_years


def purge_records(retained: Retained, *, dry_run: bool) -> None:
    """List the records past their retention and, unless ``dry_run``, anonymise those not on
    legal hold; a refusal of the rules (`RecordsError`) changes nothing."""
    today = tokyo_today()
    with Session(get_engine()) as session, session.begin():
        years = retention_years(session)
        try:
            due = retained.due(session, today=today, years=years)
            if not dry_run:
                retained.purge(session, today=today, years=years, actor=SHELL)
        except RecordsError as error:
            raise click.ClickException(str(error)) from error
    noun = retained.noun
    click.echo(f"retention: {years} years from 1 April after closure; today {today}")
    click.echo(f"{noun:<14}{'closed':<12}purge date")
    for row in due:
        held = "  (legal hold: kept)" if row.legal_hold else ""
        number = getattr(row, retained.number)
        click.echo(f"{number:<14}{row.closed_on!s:<12}{row.purge_on}{held}")
    going = sum(not row.legal_hold for row in due)
    if dry_run:
        click.echo(f"dry run: {going} {noun}(s) would be anonymised; nothing was changed")
    else:
        click.echo(f"anonymised {going} {noun}(s)")


def add_legal_hold_commands(group: AppGroup, retained: Retained) -> None:
    """``hold NUMBER --reason`` and ``release NUMBER --reason`` on ``group``."""
    noun, metavar = retained.noun, f"{retained.noun.upper()}_NUMBER"

    @group.command("hold", help=f"Put a {noun} on legal hold: it is not anonymised until released.")
    @click.argument("number", metavar=metavar)
    @click.option(
        "--reason", required=True, help=f"Why the {noun} must be kept (no personal data)."
    )
    @with_appcontext
    def hold_command(number: str, reason: str) -> None:
        _set_legal_hold(retained, number, True, reason)

    @group.command(
        "release",
        help=f"Release a {noun} from legal hold: it is anonymised once past its retention.",
    )
    @click.argument("number", metavar=metavar)
    @click.option("--reason", required=True, help="Why the hold ends (no personal data).")
    @with_appcontext
    def release_command(number: str, reason: str) -> None:
        _set_legal_hold(retained, number, False, reason)


def _set_legal_hold(retained: Retained, number: str, hold: bool, reason: str) -> None:
    with Session(get_engine()) as session, session.begin():
        record = retained.find(session, number)
        if record is None:
            raise click.ClickException(retained.unknown.format(number=number))
        try:
            changed = retained.set_legal_hold(session, record, hold, actor=SHELL, reason=reason)
        except RecordsError as error:
            raise click.ClickException(str(error)) from error
        number = getattr(record, retained.number)
    state = "on legal hold" if hold else "released from legal hold"
    click.echo(f"{number}: {state}" if changed else f"{number}: already {state}")
