"""Back-office commands: the ``tsunagu`` group with ``demo``, and the other command groups."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from backoffice.commands.cards import cards_group, setup_cards
from backoffice.commands.demo_cases import demo_cases_command
from backoffice.commands.directory import directory_group, setup_search
from backoffice.commands.notify import notify_group
from backoffice.commands.outreach import outreach_group
from backoffice.commands.records import records_group, setup_consent
from backoffice.commands.staff import staff_group
from backoffice.commands.stats import stats_group
from backoffice.staff import totp
from backoffice.staff.accounts import find_by_login
from backoffice.staff.demo import DEMO_LOGIN, load_demo_account
from core.audit_cli import audit_group
from core.cli import SETUP_STEPS, build_tsunagu_group
from core.db import get_engine
from core.dbroles import db_group
from core.keys_cli import build_keys_group
from core.migrate import current_revision
from core.profile import get_profile, read_profile_file, store_profile
from directory.crisis import setup_crisis_terms
from directory.demo import load_demo_directory


def init_cli(app: Flask) -> None:
    group = build_tsunagu_group()
    group.add_command(demo_command)
    group.add_command(demo_code_command)
    group.add_command(demo_cases_command)
    groups = (group, staff_group, audit_group, build_keys_group(), db_group, directory_group)
    for command in (*groups, cards_group, records_group, outreach_group, notify_group, stats_group):
        app.cli.add_command(command)
    app.extensions.setdefault(SETUP_STEPS, []).extend(
        (setup_cards, setup_search, setup_crisis_terms, setup_consent)
    )


@click.command("demo")
@click.option("--reset-account", is_flag=True, help="Give the demo account a new password and 2FA.")
@with_appcontext
def demo_command(reset_account: bool) -> None:
    """Load the demo: the municipality profile, the sourced directory and a demo account.

    Run `tsunagu init` first. Safe to run again: it updates the same records, and shows the
    demo account's password and two-factor key only when it creates (or resets) the account.
    """
    engine = get_engine()
    if current_revision(engine) is None:
        raise click.ClickException("the database is empty: run `flask --app wsgi tsunagu init`")
    settings = current_app.config["TSUNAGU_SETTINGS"]
    with Session(engine) as session, session.begin():
        store_profile(session, read_profile_file(settings.profile_path), str(settings.profile_path))
        count = load_demo_directory(session)
        profile = get_profile(session, read_profile_file(settings.profile_path))
        click.echo(setup_cards(session, profile))  # the cards' national lines come from it
        account = None
        if not settings.production:
            account = load_demo_account(
                session, current_app.extensions["tsunagu.hasher"], reset=reset_account
            )
    click.echo(f"demo: profile stored, {count} directory services loaded")
    if settings.production:
        click.echo("demo: no demo account in production")
    elif account is None:
        click.echo("demo: the demo account exists (new password and key: --reset-account)")
    else:
        click.echo(account.instructions())


@click.command("demo-code")
@with_appcontext
def demo_code_command() -> None:
    """Print the demo account's current sign-in code (development only)."""
    if current_app.config["TSUNAGU_SETTINGS"].production:
        raise click.ClickException("there is no demo account in production")
    with Session(get_engine()) as session:
        user = find_by_login(session, DEMO_LOGIN)
        if user is None or user.totp_secret is None:
            raise click.ClickException("no demo account: run `flask --app wsgi tsunagu demo`")
        click.echo(totp.code_now(user.totp_secret))
