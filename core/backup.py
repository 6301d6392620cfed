"""Backups that restore: a consistent snapshot of the database, encrypted, with a manifest.

SQLite is copied with its online backup API (pages copied inside one read transaction, while
the apps keep serving); PostgreSQL with ``pg_dump`` (``core.backup_postgres``). The snapshot is
written to a private temporary directory, its size and SHA-256 go into the manifest beside the
schema revision, the kind of database and the audit trail's head, and both are encrypted into
one file (``core.backup_crypto``).

A restore checks everything before it changes anything: the key, every chunk's authentication,
the manifest (format, kind of database, a schema this code knows), the snapshot's checksum and
size, and that the snapshot itself reads. Then it replaces the database in one step (SQLite's
backup API into the live file, one transaction on PostgreSQL), migrates an older schema up to
this code's, and leaves the audit trail to be verified by the caller.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    func,
    inspect,
    literal,
    select,
    table,
    text,
)

from core import backup_postgres
from core.backup_crypto import BackupError, decrypt_to, read_manifest, write_encrypted
from core.migrate import alembic_config, current_revision, upgrade_to_head

MANIFEST_FORMAT = 1
KIND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
SNAPSHOT_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
VERSION_TABLE = "alembic_version"


@dataclass(frozen=True)
class Manifest:
    """What a backup holds, written beside the snapshot and encrypted with it."""

    database: str  # "sqlite" or "postgresql"
    schema_revision: str | None
    snapshot: dict[str, Any]  # name, size, sha256
    tables: dict[str, int]  # rows per table
    audit: dict[str, Any]  # events, head_hash
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    tsunagu_version: str | None = None
    format: int = MANIFEST_FORMAT

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            data = json.loads(raw)
            if data.get("format") != MANIFEST_FORMAT:
                raise BackupError(
                    f"manifest format {data.get('format')!r} is unknown to this version of "
                    "Tsunagu: restore it with a newer Tsunagu"
                )
            manifest = cls(**data)
            int(manifest.snapshot["size"]), str(manifest.snapshot["sha256"])
        except (ValueError, TypeError, KeyError, AttributeError):
            raise BackupError("the backup's manifest is not readable") from None
        return manifest


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    migrated_from: str | None  # the backup's revision when it was migrated up, else None
    revision: str | None


def kind_of(engine: Engine) -> str:
    kind = engine.dialect.name
    if kind not in KIND_NAMES:
        raise BackupError(f"backups of {kind} databases are not supported")
    return kind


@contextmanager
def private_directory() -> Iterator[Path]:
    """A directory only this user can open (mkdtemp makes it 0700), removed afterwards: the
    snapshot in it is as readable as the database itself, no more."""
    with tempfile.TemporaryDirectory(prefix="tsunagu-backup-") as name:
        yield Path(name)


def snapshot_facts(connection: Connection) -> dict[str, Any]:
    """Schema revision, rows per table and the audit trail's size and head, as the snapshot
    holds them (the caller reads inside the snapshot's transaction)."""
    names = sorted(inspect(connection).get_table_names())
    tables = {name: connection.scalar(select(func.count()).select_from(table(name))) or 0
              for name in names}  # fmt: skip
    revision = None
    if VERSION_TABLE in names:
        revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
    head = None
    if "audit_event" in names:
        head = connection.scalar(
            text("SELECT hash FROM audit_event ORDER BY position DESC, id DESC LIMIT 1")
        )
    audit = {"events": tables.get("audit_event", 0), "head_hash": head}
    return {"schema_revision": revision, "tables": tables, "audit": audit}


def _sqlite_snapshot(engine: Engine, target: Path) -> dict[str, Any]:
    source = engine.raw_connection()
    try:
        with closing(sqlite3.connect(target)) as copy:
            source.driver_connection.backup(copy)  # type: ignore[union-attr]
            # One self-contained file: no -wal beside it when it is opened again.
            copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        source.close()
    return _read_sqlite(target, snapshot_facts)


def _read_sqlite(path: Path, reader: Any) -> Any:
    reading = create_engine(f"sqlite:///{path}")
    try:
        with reading.connect() as connection:
            return reader(connection)
    finally:
        reading.dispose()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def make_backup(engine: Engine, key: bytes, destination: Path) -> Manifest:
    """Snapshot the database and write it, encrypted with ``key``, to ``destination``."""
    kind = kind_of(engine)
    if destination.exists():
        raise BackupError(f"{destination} exists: give a new file name")
    with private_directory() as work:
        snapshot = work / SNAPSHOT_NAMES[kind]
        if kind == "sqlite":
            facts = _sqlite_snapshot(engine, snapshot)
        else:
            facts = backup_postgres.dump(engine, snapshot, snapshot_facts)
        manifest = Manifest(
            database=kind,
            snapshot={"name": snapshot.name, "size": snapshot.stat().st_size,
                      "sha256": _sha256(snapshot)},
            tsunagu_version=_tsunagu_version(),
            **facts,
        )  # fmt: skip
        partial = destination.with_name(destination.name + ".partial")
        # 0600 from the start, and renamed into place only once complete.
        with partial.open("xb") as out, snapshot.open("rb") as payload:
            partial.chmod(0o600)
            write_encrypted(out, key, manifest.to_json(), payload)
        partial.replace(destination)
    return manifest


def _tsunagu_version() -> str | None:
    try:
        return version("tsunagu")
    except PackageNotFoundError:
        return None


def read_backup_manifest(path: Path, key: bytes) -> Manifest:
    with path.open("rb") as source:
        return Manifest.from_json(read_manifest(source, key))


def check_restorable(engine: Engine, manifest: Manifest) -> None:
    """Refuse a backup of another kind of database, or of a schema this code does not know."""
    kind = kind_of(engine)
    if manifest.database != kind:
        raise BackupError(
            f"this backup is of a {KIND_NAMES.get(manifest.database, manifest.database)} "
            f"database and this one is {KIND_NAMES[kind]}: a backup restores only into the "
            "same kind of database (to move between them, use `directory export`/`import` "
            "for the directory; cases do not move)"
        )
    script = ScriptDirectory.from_config(alembic_config(engine))
    known = {revision.revision for revision in script.walk_revisions()}
    if manifest.schema_revision is not None and manifest.schema_revision not in known:
        raise BackupError(
            f"this backup has schema revision {manifest.schema_revision}, newer than this "
            f"version of Tsunagu knows (up to {script.get_current_head()}): upgrade Tsunagu "
            "first, then restore"
        )


def tables_with_rows(engine: Engine) -> list[str]:
    """Tables of the database that hold a row (the schema revision aside)."""
    with engine.connect() as connection:
        names = [n for n in inspect(connection).get_table_names() if n != VERSION_TABLE]
        return [
            name
            for name in sorted(names)
            if connection.execute(select(literal(1)).select_from(table(name)).limit(1)).first()
        ]


def restore_backup(
    engine: Engine, key: bytes, path: Path, *, force: bool, check_only: bool = False
) -> RestoreResult:
    """Replace the database with the backup at ``path``; nothing changes unless all checks pass.

    With ``check_only``, stop after the checks (the database is not looked at beyond its kind
    and its schema's history)."""
    manifest = read_backup_manifest(path, key)
    check_restorable(engine, manifest)
    if not force and not check_only and (occupied := tables_with_rows(engine)):
        raise BackupError(
            f"the database is not empty ({len(occupied)} tables hold rows, such as "
            f"{', '.join(occupied[:3])}): restoring replaces everything in it; "
            "run again with --force to do so"
        )
    with private_directory() as work:
        snapshot = work / SNAPSHOT_NAMES[manifest.database]
        with path.open("rb") as source, snapshot.open("xb") as out:
            # Read twice: the file must not have been swapped for another in between.
            if Manifest.from_json(decrypt_to(source, key, out)) != manifest:
                raise BackupError("the backup file changed while it was read")
        _check_snapshot(snapshot, manifest)
        if check_only:
            return RestoreResult(manifest, None, manifest.schema_revision)
        if manifest.database == "sqlite":
            _restore_sqlite(engine, snapshot)
        else:
            backup_postgres.restore(engine, snapshot)
    engine.dispose()
    migrated_from = None
    if current_revision(engine) != manifest.schema_revision:
        raise BackupError("the restored database does not hold the backup's schema revision")
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    if manifest.schema_revision != head:
        migrated_from = manifest.schema_revision
        upgrade_to_head(engine)
    return RestoreResult(manifest, migrated_from, current_revision(engine))


def _check_snapshot(snapshot: Path, manifest: Manifest) -> None:
    size, expected = snapshot.stat().st_size, manifest.snapshot
    if size != int(expected["size"]) or _sha256(snapshot) != expected["sha256"]:
        raise BackupError(
            "the snapshot's checksum does not match the manifest: the backup is damaged, "
            "nothing changed"
        )
    if manifest.database == "postgresql":
        backup_postgres.check_dump(snapshot)
        return
    try:
        with closing(sqlite3.connect(f"file:{snapshot}?mode=ro", uri=True)) as copy:
            problems = copy.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"the snapshot is not a readable SQLite database: {exc}") from None
    if problems != [("ok",)]:
        raise BackupError(f"the snapshot fails SQLite's integrity check: {problems[0][0]}")
    revision = _read_sqlite(snapshot, snapshot_facts)["schema_revision"]
    if revision != manifest.schema_revision:
        raise BackupError("the snapshot's schema revision is not the manifest's")


def _restore_sqlite(engine: Engine, snapshot: Path) -> None:
    """Copy the snapshot's pages over the live database: SQLite commits the copy at its end,
    or, when it fails, rolls it back and leaves the database as it was."""
    target = engine.raw_connection()
    try:
        with closing(sqlite3.connect(f"file:{snapshot}?mode=ro", uri=True)) as copy:
            copy.backup(target.driver_connection)  # type: ignore[arg-type]
    except sqlite3.Error as exc:
        raise BackupError(
            f"SQLite could not restore the snapshot, nothing changed: {exc}"
        ) from None
    finally:
        target.close()
