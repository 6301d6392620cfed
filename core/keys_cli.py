"""The ``keys`` command group: make a new data key, and move stored values onto it."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import MetaData
from sqlalchemy.orm import Session

from core.crypto import DecryptionError, current_keyring, new_key_entry
from core.db import get_engine
from core.rotation import rotate_encrypted_values

ROTATION_STEPS = """Change the key that encrypts personal data.

\b
1. Run `keys generate` and put its output FIRST in TSUNAGU_DATA_KEYS, keeping the old
   entries after it, separated by commas:  TSUNAGU_DATA_KEYS=new:...,old:...
2. Restart every Tsunagu process, so new records are written with the new key.
3. Run `keys rotate`, which re-encrypts every stored value still under an old key.
4. Only after rotate has finished without error, remove the old entries from
   TSUNAGU_DATA_KEYS and restart again. Keep a copy of a removed key with the backups
   made before it was removed: those backups can only be read with it.
"""


def build_keys_group(metadata: MetaData | None = None) -> AppGroup:
    """The group; ``metadata`` defaults to every model's table (``core.db.Base.metadata``)."""
    group = AppGroup("keys", help=ROTATION_STEPS)
    group.add_command(generate_command)
    group.add_command(_rotate_command(metadata))
    return group


@click.command("generate")
@click.argument("key_id", required=False)
def generate_command(key_id: str | None) -> None:
    """Print a new random key entry (KEY_ID:key) to add to TSUNAGU_DATA_KEYS.

    KEY_ID defaults to today's date, such as k20260126. Treat the output as a password:
    put it straight into the server's configuration, not into a chat, ticket or e-mail.
    """
    key_id = key_id or datetime.now(UTC).strftime("k%Y%m%d")
    try:
        click.echo(new_key_entry(key_id))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="KEY_ID") from exc


def _rotate_command(metadata: MetaData | None) -> click.Command:
    @click.command("rotate")
    @with_appcontext
    def rotate_command() -> None:
        """Re-encrypt every stored value with the first key in TSUNAGU_DATA_KEYS.

        Run it after putting a new key first (see `keys --help`). It is safe to run again and
        changes nothing if every value already uses the first key. Everything is re-encrypted
        in one transaction: if anything fails, nothing is changed.
        """
        keyring = current_keyring()
        try:
            with Session(get_engine()) as session, session.begin():
                counts = rotate_encrypted_values(session, metadata)
        except DecryptionError as exc:
            raise click.ClickException(f"nothing changed: {exc}") from exc
        if not counts:
            click.echo("no encrypted columns found")
        for column, count in counts.items():
            click.echo(f"{column}: {count} re-encrypted")
        click.echo(f"every value now uses key {keyring.active_id!r}")
        old = [key_id for key_id in keyring.ids if key_id != keyring.active_id]
        if old:
            click.echo(f"you may now remove {', '.join(old)} from TSUNAGU_DATA_KEYS")

    return rotate_command
