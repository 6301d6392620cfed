"""``tsunagu backup``, ``tsunagu restore`` and ``tsunagu backup-key``."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from core import audit
from core.audit import verify_chain
from core.audit_chain import AuditKeyError
from core.backup import KIND_NAMES, Manifest, RestoreResult, make_backup, restore_backup
from core.backup_crypto import BackupError, new_backup_key, parse_backup_key
from core.config import Settings
from core.crypto import KeyRing, decode_key
from core.db import get_engine

KEY_VARIABLE = "TSUNAGU_BACKUP_KEY"
RESTORE_ACTION = "system.restore"
SHELL = "server shell"  # the client network of what the shell does: nobody is signed in
KEY_FILE_HELP = f"A file holding the backup key (else the key is read from {KEY_VARIABLE})."


def backup_key(key_file: Path | None, settings: Settings) -> bytes:
    """The operator's backup key, from the file or the environment; never an app's key."""
    if key_file is not None:
        key = parse_backup_key(_read_private(key_file))
    elif os.environ.get(KEY_VARIABLE, "").strip():
        key = parse_backup_key(os.environ[KEY_VARIABLE])
    else:
        raise click.ClickException(
            f"no backup key: set {KEY_VARIABLE} or give --key-file "
            "(make one with `flask --app wsgi tsunagu backup-key`)"
        )
    others = set(KeyRing.parse(settings.data_keys).keys.values()) if settings.data_keys else set()
    others |= {decode_key(k) for k in (settings.blind_index_key, settings.audit_key) if k}
    # A secret key is any string, but one that reads as a key must not be this one either.
    secret_keys = (settings.public_secret_key, settings.backoffice_secret_key)
    others |= {found for k in secret_keys if (found := _as_key(k)) is not None}
    if key in others:
        # A backup must not open with a key the live apps' holders already have.
        raise click.ClickException(
            "the backup key must differ from the data, blind-index and audit keys and from "
            "the public and back-office secret keys"
        )
    return key


def _as_key(text: str) -> bytes | None:
    try:
        return decode_key(text.strip())
    except ValueError:
        return None


def _read_private(path: Path) -> str:
    """The key file's text, refused (as ssh refuses a private key) if others may open it."""
    with path.open(encoding="utf-8") as handle:
        mode = os.fstat(handle.fileno()).st_mode  # the file read, not one swapped in after
        if mode & 0o077:
            raise click.ClickException(
                f"{path} can be opened by its group or by others (mode {mode & 0o777:o}): "
                f"the backup key must be readable by its owner only (chmod 600 {path})"
            )
        return handle.read()


def _describe(manifest: Manifest) -> str:
    return (
        f"backup of {manifest.created_at} ({KIND_NAMES.get(manifest.database)}, schema "
        f"{manifest.schema_revision}, {sum(manifest.tables.values())} rows in "
        f"{len(manifest.tables)} tables, {manifest.audit.get('events')} audit events)"
    )


@click.command("backup-key")
def backup_key_command() -> None:
    """Print a new random backup key.

    Keep it where the backups are NOT (a password manager, a sealed envelope in the office
    safe): anyone with a backup and this key can read it, and without the key no backup can be
    restored. Give it to `backup` and `restore` in TSUNAGU_BACKUP_KEY or in a file (--key-file).
    It must differ from the data, blind-index and audit keys and the apps' secret keys; a key
    file must be readable by its owner only (mode 0600 or 0400).
    """
    click.echo(new_backup_key())


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--key-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=KEY_FILE_HELP)  # fmt: skip
@with_appcontext
def backup_command(path: Path, key_file: Path | None) -> None:
    """Write an encrypted, consistent snapshot of the whole database to PATH (a new file).

    SQLite is copied while the apps keep serving; PostgreSQL is dumped with pg_dump (the
    PostgreSQL client tools must be installed). The file holds a manifest (schema revision,
    time, kind of database, checksum and size of the snapshot, rows per table, the audit
    trail's head) and is encrypted with the backup key. The personal fields inside stay
    encrypted under the data keys too: keep those keys (old ones included) with the backup key.
    """
    key = backup_key(key_file, current_app.config["TSUNAGU_SETTINGS"])
    try:
        manifest = make_backup(get_engine(), key, path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"written: {path}")
    click.echo(_describe(manifest))
    click.echo(f"audit head: {manifest.audit.get('head_hash')}")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=KEY_FILE_HELP)  # fmt: skip
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@click.option("--check", is_flag=True, help="Only check the file and the key; change nothing.")
@with_appcontext
def restore_command(path: Path, key_file: Path | None, force: bool, check: bool) -> None:
    """Replace the database with the backup in PATH, verify the audit trail, record the restore.

    Stop both apps first. Nothing changes unless every check passes: the key, the file's
    authentication, the checksum, a backup of the same kind of database, a schema this version
    knows (an older one is migrated up after the restore). A database that already holds data
    is replaced only with --force. On PostgreSQL run `db roles --apply` afterwards.
    """
    key = backup_key(key_file, current_app.config["TSUNAGU_SETTINGS"])
    engine = get_engine()
    try:
        result = restore_backup(engine, key, path, force=force, check_only=check)
    except BackupError as exc:
        raise click.ClickException(f"{exc}\nnothing was restored") from None
    click.echo(_describe(result.manifest))
    if check:
        click.echo("checked: the key opens it, it is intact and it can be restored here")
        return
    click.echo(f"restored into the {KIND_NAMES[result.manifest.database]} database")
    if result.migrated_from:
        click.echo(f"schema: migrated from {result.migrated_from} to {result.revision}")
    _audit_restore(result)
    click.echo("next: start the apps again (a restarted app forgets pages kept from before)")
    if result.manifest.database == "postgresql":
        click.echo("next: run `flask --app wsgi db roles --apply` to grant the app roles again")


def _audit_restore(result: RestoreResult) -> None:
    """Verify the restored trail, then record the restore in it, so the rewind shows there.

    The event is recorded even when the trail does not verify: the database was replaced either
    way. An anchor taken after the backup no longer verifies (`audit verify --anchor`)."""
    manifest = result.manifest
    try:
        with Session(get_engine()) as session:
            verified = verify_chain(session)
        with Session(get_engine()) as session, session.begin():
            event = audit.record(
                session, action=RESTORE_ACTION, client_network=SHELL, reason=_reason(result)
            )
            recorded = f"recorded as audit event {event.position} ({RESTORE_ACTION})"
    except AuditKeyError as exc:
        raise click.ClickException(
            f"restored, but the audit trail was not verified nor the restore recorded: {exc}"
        ) from None
    if not verified.ok:
        raise click.ClickException(
            f"restored ({recorded}), but the audit trail does not verify at event "
            f"{verified.broken_id}: {verified.problem} (`audit verify` says more)"
        )
    click.echo(f"audit trail intact: {verified.checked} events, head hash {verified.head_hash}")
    expected = manifest.audit.get("head_hash")
    if manifest.audit.get("events") and verified.head_hash != expected:
        # A migration may add events after the backup's head; say so rather than hide it.
        click.echo(f"the backup's head was {expected}; events were added since (migrations)")
    click.echo(
        f"{recorded}; anchors taken after the backup no longer verify: "
        "take a new one (`audit anchor -o FILE`)"
    )


def _reason(result: RestoreResult) -> str:
    manifest = result.manifest
    migrated = f", migrated to {result.revision}" if result.migrated_from else ""
    return (
        f"restored the backup of {manifest.created_at} (schema {manifest.schema_revision}"
        f"{migrated}; {manifest.audit.get('events')} audit events, head "
        f"{manifest.audit.get('head_hash')})"
    )
