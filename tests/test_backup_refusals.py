"""What a restore refuses, and that a refused restore changes nothing.

Every refusal here is decided before the database is touched, so the target is the suite's own
database holding one event more than the backup: after each refusal it still holds it.
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core import audit
from core.backup import make_backup, restore_backup
from core.backup_crypto import (
    CHUNK_SIZE,
    HEADER,
    TAG_BYTES,
    BackupError,
    WrongKeyError,
    decrypt_to,
    new_backup_key,
    parse_backup_key,
    write_encrypted,
)
from core.config import Settings
from tests.conftest import TEST_AUDIT_KEY
from tests.test_backup import app_on, every_row, run

KEY = parse_backup_key(new_backup_key())


@pytest.fixture
def backup(clean_db: Engine, tmp_path: Path) -> Path:
    """A backup of the suite's database holding one event; then a second event is added."""
    with Session(clean_db) as session, session.begin():
        audit.record(session, action="test.before_backup")
    path = tmp_path / "tsunagu.backup"
    make_backup(clean_db, KEY, path)
    with Session(clean_db) as session, session.begin():
        audit.record(session, action="test.after_backup")
    return path


def resealed(path: Path, change: Callable[[dict], None], payload: bytes | None = None) -> Path:
    """The backup decrypted, its manifest changed, encrypted again with the right key."""
    snapshot = io.BytesIO()
    with path.open("rb") as source:
        manifest = json.loads(decrypt_to(source, KEY, snapshot))
    change(manifest)
    other = path.with_name("resealed.backup")
    with other.open("wb") as out:
        data = snapshot.getvalue() if payload is None else payload
        write_encrypted(out, KEY, json.dumps(manifest).encode(), io.BytesIO(data))
    return other


def refused(engine: Engine, path: Path, key: bytes = KEY) -> str:
    before = every_row(engine)
    with pytest.raises(BackupError) as caught:
        restore_backup(engine, key, path, force=True)
    assert every_row(engine) == before
    return str(caught.value)


def test_a_wrong_key_is_refused(clean_db: Engine, backup: Path) -> None:
    with pytest.raises(WrongKeyError, match="wrong backup key"):
        restore_backup(clean_db, parse_backup_key(new_backup_key()), backup, force=True)
    assert "wrong backup key" in refused(clean_db, backup, parse_backup_key(new_backup_key()))


@pytest.mark.parametrize("where", [0.3, 0.9])
def test_a_changed_byte_is_refused(clean_db: Engine, backup: Path, where: float) -> None:
    data = bytearray(backup.read_bytes())
    data[int(len(data) * where)] ^= 0x01
    backup.write_bytes(bytes(data))
    assert "altered or cut short" in refused(clean_db, backup)


def test_a_file_cut_short_is_refused(clean_db: Engine, backup: Path) -> None:
    data = backup.read_bytes()
    backup.write_bytes(data[: len(data) - 100])
    assert "cut short" in refused(clean_db, backup)


def test_a_file_cut_at_a_chunk_boundary_is_refused(clean_db: Engine, tmp_path: Path) -> None:
    # A whole last chunk taken away leaves chunks that authenticate one by one.
    whole, cut = tmp_path / "whole.backup", tmp_path / "cut.backup"
    with whole.open("wb") as out:
        write_encrypted(out, KEY, b"{}", io.BytesIO(b"x" * (3 << 20)))
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) - (4 + (1 << 20) + 16)])  # length, 1 MiB, tag
    with pytest.raises(BackupError, match="altered or cut short"):
        decrypt_to(cut.open("rb"), KEY, io.BytesIO())


def test_a_snapshot_not_matching_its_checksum_is_refused(clean_db: Engine, backup: Path) -> None:
    other = resealed(backup, lambda manifest: manifest["snapshot"].update(sha256="0" * 64))
    assert "checksum does not match" in refused(clean_db, other)


def test_a_backup_of_a_newer_schema_is_refused(clean_db: Engine, backup: Path) -> None:
    other = resealed(backup, lambda manifest: manifest.update(schema_revision="9999"))
    message = refused(clean_db, other)
    assert "schema revision 9999, newer" in message and "upgrade Tsunagu first" in message


def test_a_backup_of_the_other_kind_of_database_is_refused(clean_db: Engine, backup: Path) -> None:
    other_kind = "sqlite" if clean_db.dialect.name == "postgresql" else "postgresql"
    other = resealed(backup, lambda manifest: manifest.update(database=other_kind))
    message = refused(clean_db, other)
    assert "same kind of database" in message
    assert "SQLite" in message and "PostgreSQL" in message


def test_a_damaged_snapshot_with_a_matching_checksum_is_refused(
    clean_db: Engine, backup: Path
) -> None:
    junk = b"not a database at all" * 100
    digest = hashlib.sha256(junk).hexdigest()
    other = resealed(
        backup,
        lambda manifest: manifest["snapshot"].update(sha256=digest, size=len(junk)),
        payload=junk,
    )
    message = refused(clean_db, other)
    assert "SQLite" in message or "pg_restore" in message


def test_the_commands_refuse_a_missing_or_reused_key(
    settings: Settings, clean_db: Engine, tmp_path: Path
) -> None:
    with app_on(settings, settings.database_url) as app:
        missing = app.test_cli_runner().invoke(
            args=["tsunagu", "backup", str(tmp_path / "a")], env={"TSUNAGU_BACKUP_KEY": ""}
        )
        reused = run(app, "backup", str(tmp_path / "b"), key=TEST_AUDIT_KEY)
        made = run(app, "backup-key")
    assert missing.exit_code == 1 and "no backup key" in missing.output
    assert reused.exit_code == 1 and "must differ" in reused.output
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    assert len(parse_backup_key(made.output)) == 32


def test_a_backup_never_overwrites_a_file(clean_db: Engine, backup: Path) -> None:
    with pytest.raises(BackupError, match="exists"):
        make_backup(clean_db, KEY, backup)


def test_a_key_file_is_read(settings: Settings, clean_db: Engine, tmp_path: Path) -> None:
    key_file = tmp_path / "backup.key"
    key_file.write_text(new_backup_key() + "\n")
    key_file.chmod(0o600)
    path = tmp_path / "with-file.backup"
    with app_on(replace(settings), settings.database_url) as app:
        made = app.test_cli_runner().invoke(
            args=["tsunagu", "backup", "--key-file", str(key_file), str(path)]
        )
        checked = app.test_cli_runner().invoke(
            args=["tsunagu", "restore", "--check", "--key-file", str(key_file), str(path)]
        )
    assert made.exit_code == 0, made.output
    assert checked.exit_code == 0 and "checked:" in checked.output


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620])
def test_a_key_file_others_may_open_is_refused(
    settings: Settings, clean_db: Engine, tmp_path: Path, mode: int
) -> None:
    key_file = tmp_path / "backup.key"
    key_file.write_text(new_backup_key() + "\n")
    key_file.chmod(mode)
    path = tmp_path / "refused.backup"
    with app_on(settings, settings.database_url) as app:
        made = app.test_cli_runner().invoke(
            args=["tsunagu", "backup", "--key-file", str(key_file), str(path)]
        )
    assert made.exit_code == 1
    assert f"mode {mode:o}" in made.output and "readable by its owner only" in made.output
    assert not path.exists()


@pytest.mark.parametrize("secret", ["public_secret_key", "backoffice_secret_key"])
def test_a_backup_key_reused_as_a_secret_key_is_refused(
    settings: Settings, clean_db: Engine, tmp_path: Path, secret: str
) -> None:
    key = new_backup_key()
    path = tmp_path / "refused.backup"
    with app_on(replace(settings, **{secret: key}), settings.database_url) as app:
        reused = run(app, "backup", str(path), key=key.rstrip("="))  # the same key, unpadded
    assert reused.exit_code == 1 and "secret keys" in reused.output
    assert not path.exists()


class Counted(io.BytesIO):
    """A file that notes how many bytes were asked of it in all."""

    asked = 0

    def read(self, size: int | None = -1, /) -> bytes:
        self.asked += size if size is not None and size >= 0 else len(self.getvalue())
        return super().read(size)


def test_a_chunk_size_or_length_beyond_the_format_s_is_refused_before_it_is_read() -> None:
    whole = io.BytesIO()
    write_encrypted(whole, KEY, b"{}", io.BytesIO(b"x" * 10))
    data = whole.getvalue()
    header, rest = data[: HEADER.size], data[HEADER.size :]
    huge = 0xFFFFFFF0
    # The header's chunk size is not authenticated before a chunk is read: it must be the format's.
    forged_size = header[:-4] + struct.pack(">I", huge) + struct.pack(">I", huge) + rest[4:]
    # A first chunk declared longer than a chunk can be, under an untouched header.
    forged_length = header + struct.pack(">I", CHUNK_SIZE + TAG_BYTES + 1) + rest[4:]

    source = Counted(forged_size)
    with pytest.raises(BackupError, match=f"declares chunks of {huge} bytes"):
        decrypt_to(source, KEY, io.BytesIO())
    assert source.asked == HEADER.size
    source = Counted(forged_length)
    with pytest.raises(BackupError, match=r"damaged \(chunk 0\)"):
        decrypt_to(source, KEY, io.BytesIO())
    assert source.asked == HEADER.size + 4
