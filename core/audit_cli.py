"""The ``audit`` command group: check the audit trail, and note its head outside the database."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.orm import Session

from core.audit import Anchor, VerifyResult, verify_chain
from core.audit_chain import AuditKeyError
from core.db import get_engine

audit_group = AppGroup("audit", help="Inspect the audit trail of the back office.")


def _verify(anchor: Anchor | None = None) -> VerifyResult:
    try:
        with Session(get_engine()) as session:
            return verify_chain(session, anchor=anchor)
    except AuditKeyError as error:
        raise click.ClickException(str(error)) from None


def _fail(result: VerifyResult) -> click.ClickException:
    where = f"at event {result.broken_id}" if result.broken_id is not None else "at its end"
    return click.ClickException(
        f"audit trail broken {where}: {result.problem}"
        f" ({result.head.position} events before it are intact; last intact hash"
        f" {result.head_hash})"
    )


@audit_group.command("verify")
@click.option(
    "--anchor",
    "anchor_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file written by 'audit anchor': the trail must still hold that head, in its place.",
)
@with_appcontext
def verify_command(anchor_file: Path | None) -> None:
    """Check that no audit event was altered, deleted, forged or inserted out of turn.

    Exits 0 and prints the number of events and the hash the chain ends on when it is intact.
    Exits 1 and names the first broken event otherwise. With --anchor, also checks that the
    head noted earlier is still there at the same position: removing the newest events, or
    rewriting the trail, is found this way.
    """
    anchor = _read_anchor(anchor_file) if anchor_file else None
    result = _verify(anchor)
    if not result.ok:
        raise _fail(result)
    click.echo(f"audit trail intact: {result.checked} events")
    if anchor is not None:
        click.echo(f"anchored head found at position {anchor.position}")
    click.echo(f"head hash: {result.head_hash}")


@audit_group.command("anchor")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also write the head to this file (keep it away from the database server).",
)
@with_appcontext
def anchor_command(output: Path | None) -> None:
    """Verify the trail and print its head (id, position, hash, time, count) as JSON.

    Keep the output somewhere the database's users cannot reach (the operations log, a
    printout); 'audit verify --anchor FILE' later proves the trail still holds it.
    """
    result = _verify()
    if not result.ok:
        raise _fail(result)
    head = result.head
    text = json.dumps(
        {
            "id": head.id,
            "position": head.position,
            "hash": head.hash,
            "occurred_at": head.occurred_at.isoformat() if head.occurred_at else None,
            "count": result.checked,
        },
        indent=2,
    )
    click.echo(text)
    if output is not None:
        output.write_text(text + "\n", encoding="utf-8")


def _read_anchor(path: Path) -> Anchor:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        anchor = Anchor(position=int(data["position"]), hash=str(data["hash"]), id=data.get("id"))
    except (ValueError, KeyError, TypeError) as error:
        raise click.ClickException(f"{path}: not an anchor written by 'audit anchor'") from error
    if anchor.position < 0 or len(anchor.hash) != 64:
        raise click.ClickException(f"{path}: not an anchor written by 'audit anchor'")
    return anchor
