"""Back-office commands: the ``tsunagu`` group, with ``demo`` on top of the kernel's commands."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from core.cli import build_tsunagu_group
from core.db import get_engine
from core.migrate import current_revision
from core.profile import read_profile_file, store_profile
from directory.demo import load_demo_directory


def init_cli(app: Flask) -> None:
    group = build_tsunagu_group()
    group.add_command(demo_command)
    app.cli.add_command(group)


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo: the municipality profile and the sourced support directory.

    Run `tsunagu init` first. Safe to run again: it updates the same records.
    """
    engine = get_engine()
    if current_revision(engine) is None:
        raise click.ClickException("the database is empty: run `flask --app wsgi tsunagu init`")
    settings = current_app.config["TSUNAGU_SETTINGS"]
    with Session(engine) as session, session.begin():
        store_profile(session, read_profile_file(settings.profile_path), str(settings.profile_path))
        count = load_demo_directory(session)
    click.echo(f"demo: profile stored, {count} directory services loaded")
