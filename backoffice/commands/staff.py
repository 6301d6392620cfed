"""`flask --app wsgi staff ...`: manage staff accounts from the server's shell.

The shell is the operator's trust boundary: roles given here are in effect at once, and the
operator may approve roles that wait for a second administrator (``role_grants.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.staff import accounts, credentials
from backoffice.staff.actor import Actor
from backoffice.staff.models import StaffUser
from backoffice.staff.permissions import ROLES
from backoffice.staff.role_changes import approve_role
from backoffice.web.sessions import end_sessions
from core.db import get_engine, utcnow

staff_group = AppGroup(
    "staff", help="Manage staff accounts (create, list, approve roles, disable, reset 2FA)."
)
SHELL = Actor(None, "server shell")


@contextmanager
def _account(login: str) -> Iterator[tuple[Session, StaffUser]]:
    """The account ``login`` names, in a transaction committed when the command's work is done."""
    with Session(get_engine()) as session, session.begin():
        user = accounts.find_by_login(session, login)
        if user is None:
            raise click.ClickException(f"no staff account with the login {login!r}")
        yield session, user


@staff_group.command("create")
@click.argument("login")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(ROLES),
    help="A role to give; repeat for several.",
)
@click.option("--display-name", default="", help="The name shown in the back office.")
@click.option("--email", default="", help="Optional e-mail address.")
@click.option(
    "--password-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the password from this file instead of asking for it.",
)
@with_appcontext
def create_command(
    login: str, roles: tuple[str, ...], display_name: str, email: str, password_file: Path | None
) -> None:
    """Create a staff account with a password you choose (asked for, or read from a file).

    The person enrols their second factor at their first sign-in.
    """
    if password_file is not None:
        password = password_file.read_text(encoding="utf-8").rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with Session(get_engine()) as session, session.begin():
        try:
            accounts.create_staff(
                session,
                login=login,
                display_name=display_name or login,
                email=email,
                roles=set(roles),
                password=password,
                hasher=current_app.extensions["tsunagu.hasher"],
                actor=SHELL,
                must_change_password=False,
            )
        except accounts.AccountError as error:
            raise click.ClickException(str(error)) from error
    click.echo(f"created {login.strip().casefold()} with roles: {', '.join(sorted(roles))}")


@staff_group.command("list")
@with_appcontext
def list_command() -> None:
    """List staff accounts with their roles and state."""
    with Session(get_engine()) as session:
        for user in session.scalars(select(StaffUser).order_by(StaffUser.login)):
            state = "active" if user.active else "disabled"
            factor = "2FA" if user.has_second_factor else "no 2FA yet"
            roles = [*sorted(user.roles), *(f"{row.role}(pending)" for row in user.pending_roles)]
            click.echo(f"{user.login}\t{','.join(roles)}\t{state}\t{factor}")


@staff_group.command("approve")
@click.argument("login")
@click.option(
    "--role", "roles", multiple=True, type=click.Choice(ROLES), help="Only this role; repeat."
)
@with_appcontext
def approve_command(login: str, roles: tuple[str, ...]) -> None:
    """Approve roles waiting for a second administrator (all of them unless --role is given).

    For a back office with a single administrator; each approval is audited.
    """
    with _account(login) as (session, user):
        waiting = [row.role for row in user.pending_roles if not roles or row.role in roles]
        if not waiting:
            raise click.ClickException(f"{login} has no role waiting for approval")
        for role in waiting:
            approve_role(session, user, role, actor=SHELL, now=utcnow())
    click.echo(f"approved for {login}: {', '.join(waiting)}")


@staff_group.command("disable")
@click.argument("login")
@with_appcontext
def disable_command(login: str) -> None:
    """Disable an account and end its sessions at once."""
    with _account(login) as (session, user):
        accounts.set_active(session, user, False, actor=SHELL)
        ended = end_sessions(session, user.id, reason="account disabled")
    click.echo(f"disabled {login}; ended {ended} sessions")


@staff_group.command("enable")
@click.argument("login")
@with_appcontext
def enable_command(login: str) -> None:
    """Enable a disabled account again."""
    with _account(login) as (session, user):
        accounts.set_active(session, user, True, actor=SHELL)
    click.echo(f"enabled {login}")


@staff_group.command("reset-2fa")
@click.argument("login")
@with_appcontext
def reset_2fa_command(login: str) -> None:
    """Remove a lost second factor; the person enrols a new one at their next sign-in."""
    with _account(login) as (session, user):
        credentials.reset_second_factor(session, user, actor=SHELL, now=utcnow())
        end_sessions(session, user.id, reason="second factor reset")
    click.echo(f"second factor removed for {login}; they enrol again at next sign-in")


@staff_group.command("purge-sessions")
@with_appcontext
def purge_sessions_command() -> None:
    """Delete sessions that can no longer be used, and the attempt counts of unknown logins
    whose window is over (run daily, e.g. from cron)."""
    from backoffice.staff.lockout import Clock, purge_throttles
    from backoffice.web.sessions import purge_expired

    settings = current_app.config["TSUNAGU_SETTINGS"]
    clock = Clock(settings.lockout_threshold, settings.lockout_minutes)
    with Session(get_engine()) as session, session.begin():
        count = purge_expired(session, settings)
        throttles = purge_throttles(session, clock, utcnow())
    click.echo(f"deleted {count} expired sessions and {throttles} attempt counts")
