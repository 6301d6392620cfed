"""The PostgreSQL client tools get the database password from the environment, never from argv.

Any user of the machine can read a process's arguments (``ps``, /proc/PID/cmdline), so the
password must not be in ``pg_dump --dbname=...`` or psql's address. Every command is captured
by wrapping ``subprocess.run`` in ``core.backup_postgres``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from core import backup_postgres
from core.backup import make_backup, restore_backup
from core.backup_crypto import new_backup_key, parse_backup_key
from core.db import make_engine
from core.migrate import upgrade_to_head
from tests.test_backup import scratch_database

PASSWORD = "S3cret-owner-pw"  # a test value: the test server trusts loopback
KEY = parse_backup_key(new_backup_key())


class Commands(list[tuple[list[str], dict[str, str]]]):
    """Each command run, with its environment."""

    def argv_holding(self, secret: str) -> list[str]:
        return [part for command, _ in self for part in command if secret in part]


@pytest.fixture
def commands(monkeypatch: pytest.MonkeyPatch) -> Commands:
    """Every command backup_postgres runs, recorded, then run for real."""
    seen, real = Commands(), subprocess.run

    def recording(command: list[str], **options: Any) -> subprocess.CompletedProcess[bytes]:
        seen.append((list(command), dict(options.get("env") or {})))
        return real(command, **options)

    monkeypatch.setattr(backup_postgres.subprocess, "run", recording)
    return seen


class _Snapshot:
    """Stands in for the connection dump() exports its snapshot from: no server needed."""

    def execution_options(self, **_: Any) -> _Snapshot:
        return self

    @contextmanager
    def begin(self) -> Iterator[None]:
        yield

    def scalar(self, *_: Any) -> str:
        return "00000003-00000002-1"


def test_no_command_line_holds_the_password(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen = Commands()

    def answered(command: list[str], **options: Any) -> subprocess.CompletedProcess[bytes]:
        seen.append((list(command), dict(options.get("env") or {})))
        return subprocess.CompletedProcess(command, 0, b"", b"")

    monkeypatch.setattr(backup_postgres.subprocess, "run", answered)
    monkeypatch.setattr(backup_postgres, "_tool", lambda name: f"/usr/bin/{name}")
    for url in (
        f"postgresql+psycopg://tsunagu_owner:{PASSWORD}@127.0.0.1:5432/tsunagu",
        f"postgresql+psycopg://tsunagu_owner@db.example/tsunagu?password={PASSWORD}&sslmode=require",
    ):
        engine = create_engine(url)
        monkeypatch.setattr(engine, "connect", lambda: nullcontext(_Snapshot()))
        backup_postgres.dump(engine, tmp_path / "database.pgdump", lambda _: {})
        backup_postgres.check_dump(tmp_path / "database.pgdump")
        backup_postgres.restore(engine, tmp_path / "database.pgdump")

    tools = [Path(command[0]).name for command, _ in seen]
    assert tools == ["pg_dump", "pg_restore", "pg_restore", "psql"] * 2
    assert seen.argv_holding(PASSWORD) == []
    addresses = [part for command, _ in seen for part in command if "tsunagu_owner" in part]
    assert addresses == [
        "--dbname=postgresql://tsunagu_owner@127.0.0.1:5432/tsunagu",
        "postgresql://tsunagu_owner@127.0.0.1:5432/tsunagu",
        "--dbname=postgresql://tsunagu_owner@db.example/tsunagu?sslmode=require",
        "postgresql://tsunagu_owner@db.example/tsunagu?sslmode=require",
    ]
    # The tools that connect get it from the environment, which only the same user can read.
    connecting = [env for command, env in seen if Path(command[0]).name in ("pg_dump", "psql")]
    assert [env.get("PGPASSWORD") for env in connecting] == [PASSWORD] * 4


def test_a_real_backup_and_restore_keep_the_password_off_every_command_line(
    commands: Commands, tmp_path: Path
) -> None:
    with scratch_database(tmp_path) as source, scratch_database(tmp_path) as target:
        engines = []
        for url in (source, target):
            parsed = make_url(url)
            if parsed.get_backend_name() == "postgresql":
                # The test server trusts loopback: the password is carried, never checked.
                url = parsed.set(password=PASSWORD).render_as_string(hide_password=False)
            engines.append(make_engine(url))
        origin, restored = engines
        upgrade_to_head(origin)
        path = tmp_path / "with-password.backup"
        made = make_backup(origin, KEY, path)
        result = restore_backup(restored, KEY, path, force=False)
        for engine in engines:
            engine.dispose()

    assert result.revision == made.schema_revision
    assert commands.argv_holding(PASSWORD) == []
    tools = sorted({Path(command[0]).name for command, _ in commands})
    if made.database == "postgresql":
        assert tools == ["pg_dump", "pg_restore", "psql"]
        connecting = [env for command, env in commands if "pg_restore" not in command[0]]
        assert {env.get("PGPASSWORD") for env in connecting} == {PASSWORD}
    else:
        assert tools == []  # SQLite is copied in process: no command, no address to leak
