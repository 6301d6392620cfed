"""The SQLite database file and its journals are readable by their owner only."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from core.db import make_engine


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The most permissive umask, so only the code's own choice can keep others out."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def write_something(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE note (body text)"))
        connection.execute(text("INSERT INTO note VALUES ('x')"))
    engine.dispose()


def test_a_new_database_and_its_wal_files_are_private(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "tsunagu.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE note (body text)"))
        connection.execute(text("INSERT INTO note VALUES ('x')"))
        wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")

        assert (mode(path), mode(wal), mode(shm)) == (0o600, 0o600, 0o600)
    engine.dispose()


def test_an_existing_world_readable_database_is_narrowed(tmp_path: Path) -> None:
    path = tmp_path / "tsunagu.sqlite3"
    write_something(f"sqlite:///{path}")
    os.chmod(path, 0o644)  # as an older version left it
    Path(f"{path}-wal").touch()
    os.chmod(f"{path}-wal", 0o640)

    engine = make_engine(f"sqlite:///{path}")
    with engine.connect():
        assert mode(path) == 0o600
        assert mode(Path(f"{path}-wal")) == 0o600
    engine.dispose()


def test_an_engine_that_never_connects_makes_no_file(tmp_path: Path) -> None:
    make_engine(f"sqlite:///{tmp_path / 'tsunagu.sqlite3'}").dispose()

    assert list(tmp_path.iterdir()) == []


def test_an_in_memory_database_makes_no_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)

    write_something("sqlite://")
    write_something("sqlite:///:memory:")

    assert list(tmp_path.iterdir()) == []
