"""The ``audit`` command group: check the audit trail from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.orm import Session

from core.audit import verify_chain
from core.db import get_engine

audit_group = AppGroup("audit", help="Inspect the audit trail of the back office.")


@audit_group.command("verify")
@with_appcontext
def verify_command() -> None:
    """Check that no audit event was altered, deleted or inserted out of turn.

    Exits 0 and prints the number of events and the newest hash when the chain is intact; note
    that hash somewhere safe, since it also lets you notice later if the newest events vanish.
    Exits 1 and names the first broken event otherwise.
    """
    with Session(get_engine()) as session:
        result = verify_chain(session)
    if not result.ok:
        raise click.ClickException(
            f"audit trail broken at event {result.broken_id}: {result.problem}"
            f" ({result.checked - 1} events before it are intact)"
        )
    click.echo(f"audit trail intact: {result.checked} events")
    click.echo(f"head hash: {result.head_hash}")
