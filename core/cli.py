"""The ``tsunagu`` command group: set up the database and the municipality profile."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.orm import Session

from core import audit
from core.backup_cli import backup_command, backup_key_command, restore_command
from core.db import get_engine
from core.migrate import upgrade_to_head
from core.profile import (
    PROFILE_ID,
    ProfileError,
    get_profile,
    has_stored_profile,
    read_profile_file,
    store_profile,
)
from core.readings_cli import readings_command


def build_tsunagu_group() -> AppGroup:
    group = AppGroup("tsunagu", help="Set up and maintain this Tsunagu instance.")
    group.add_command(init_command)
    group.add_command(profile_command)
    group.add_command(readings_command)
    for command in (backup_command, restore_command, backup_key_command):
        group.add_command(command)
    return group


SETUP_STEPS = "tsunagu.setup_steps"  # app.extensions key: callables(session, profile) -> str


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Migrate the database to the newest schema and store the municipality profile.

    Then the setup steps the app registered (the back office adds the standard card design and
    the public-download card batch). Safe to run again: migrations already applied are skipped,
    a profile already stored (perhaps edited by an administrator) is kept, and setup steps
    create only what is missing.
    """
    engine = get_engine()
    upgrade_to_head(engine)
    click.echo("database: migrated to the newest schema")
    settings = current_app.config["TSUNAGU_SETTINGS"]
    with Session(engine) as session, session.begin():
        if has_stored_profile(session):
            click.echo("profile: already stored, kept as it is")
        else:
            store_profile(session, _read_profile(settings.profile_path), str(settings.profile_path))
            click.echo(f"profile: stored from {settings.profile_path}")
        profile = get_profile(session, read_profile_file(settings.profile_path))
        for step in current_app.extensions.get(SETUP_STEPS, ()):
            click.echo(step(session, profile))


@click.command("profile")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def profile_command(path: Path) -> None:
    """Replace the stored municipality profile with the one in PATH (a TOML file)."""
    profile = _read_profile(path)
    with Session(get_engine()) as session, session.begin():
        changed = store_profile(session, profile, str(path))
        if changed:  # as a back-office edit is (settings.profile.update), with the file's name
            audit.record(
                session,
                action="settings.profile.replace",
                object_type="municipality_profile",
                object_id=PROFILE_ID,
                reason=f"tsunagu profile {path}",
            )
    click.echo(f"profile: {'updated' if changed else 'unchanged'} ({profile.name})")


def _read_profile(path: Path):
    try:
        return read_profile_file(path)
    except ProfileError as exc:
        raise click.ClickException(str(exc)) from exc
