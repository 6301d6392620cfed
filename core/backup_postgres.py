"""PostgreSQL snapshots with the client tools: ``pg_dump --format=custom``, restored through psql.

The dump runs in a snapshot exported by the transaction that reads the manifest's facts (schema
revision, row counts, the audit trail's head), so the manifest describes exactly what was dumped.
A restore is one transaction: psql runs the statements that empty the database, then the
dump's, between one BEGIN and one COMMIT, and any error rolls all of it back, so a failed
restore leaves the database as it was.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import URL, make_url

from core.backup_crypto import BackupError

# Empties the target inside the restore's transaction: every table, view and sequence of the
# public schema and every function there, and the public role's views (`db roles` makes them
# again). Ownership of the schema itself, and its grants, stay as they are.
EMPTY_DATABASE = """
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS public_read CASCADE;
DO $$
DECLARE item record;
BEGIN
  FOR item IN SELECT c.relname, c.relkind FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f') LOOP
    EXECUTE format(
      CASE item.relkind WHEN 'v' THEN 'DROP VIEW IF EXISTS public.%I CASCADE'
        WHEN 'm' THEN 'DROP MATERIALIZED VIEW IF EXISTS public.%I CASCADE'
        WHEN 'f' THEN 'DROP FOREIGN TABLE IF EXISTS public.%I CASCADE'
        ELSE 'DROP TABLE IF EXISTS public.%I CASCADE' END, item.relname);
  END LOOP;
  FOR item IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'S' LOOP
    EXECUTE format('DROP SEQUENCE IF EXISTS public.%I CASCADE', item.relname);
  END LOOP;
  FOR item IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
      JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' LOOP
    EXECUTE format('DROP ROUTINE IF EXISTS %s CASCADE', item.signature);
  END LOOP;
  FOR item IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'c')
        AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.reltype = t.oid) LOOP
    EXECUTE format('DROP TYPE IF EXISTS public.%I CASCADE', item.typname);
  END LOOP;
END $$;
"""


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} not found: install the PostgreSQL client tools of the server's major "
            "version or newer (Debian: apt-get install postgresql-client)"
        )
    return found


def _connection(engine: Engine) -> tuple[str, dict[str, str]]:
    """A libpq address without the password, and an environment that carries it.

    The password never appears on a command line, where any user of the machine could read it
    (``ps``, /proc/PID/cmdline). The address is built afresh from the other parts: URL.set()
    skips arguments that are None, so ``set(password=None)`` would have kept it.
    """
    url = make_url(engine.url.render_as_string(hide_password=False))
    query = dict(url.query)
    # libpq also takes the password as a query parameter: move that one to the environment too.
    password = url.password or query.pop("password", None)
    environment = dict(os.environ)
    if password:
        environment["PGPASSWORD"] = str(password)
    address = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=query,
    ).render_as_string(hide_password=False)
    return address, environment


def _failed(tool: str, result: subprocess.CompletedProcess[bytes]) -> BackupError:
    said = result.stderr.decode("utf-8", "replace").strip().splitlines()
    return BackupError(f"{tool} failed: {' / '.join(said[-3:]) or f'exit {result.returncode}'}")


def dump(engine: Engine, target: Path, facts: Callable[[Connection], dict[str, Any]]) -> dict:
    """Write a custom-format dump to ``target``; returns ``facts`` read in the same snapshot."""
    pg_dump = _tool("pg_dump")
    address, environment = _connection(engine)
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
            found = facts(connection)
            # The exported snapshot lives as long as this transaction: dump inside it.
            command = [pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}"]
            command += [f"--file={target}", f"--dbname={address}"]
            # S603: no shell; the arguments are the tool's path and our own options.
            result = subprocess.run(command, env=environment, capture_output=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise _failed("pg_dump", result)
    return found


def check_dump(path: Path) -> None:
    """Refuse a file pg_restore cannot read, before the database is touched."""
    command = [_tool("pg_restore"), "--list", str(path)]
    result = subprocess.run(command, capture_output=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise _failed("pg_restore", result)


def restore(engine: Engine, path: Path) -> None:
    """Replace everything in the database with the dump, in one transaction."""
    pg_restore, psql = _tool("pg_restore"), _tool("psql")
    address, environment = _connection(engine)
    # The whole script first: piped, a pg_restore that stopped half-way would hand psql a
    # shorter script that still ends in COMMIT. It stays in the backup's private directory.
    script = path.with_suffix(".sql")
    # Owners and grants are the source server's: `db roles --apply` gives this server's.
    command = [pg_restore, "--no-owner", "--no-privileges", f"--file={script}", str(path)]
    written = subprocess.run(command, capture_output=True, check=False)  # noqa: S603
    if written.returncode != 0:
        raise _failed("pg_restore", written)
    engine.dispose()  # our own pooled connections would hold locks the DROPs wait for
    command = [psql, "--no-psqlrc", "--quiet", "--no-password", "--set=ON_ERROR_STOP=1"]
    command += ["--single-transaction", "--command", EMPTY_DATABASE, f"--file={script}", address]
    applied = subprocess.run(command, env=environment, capture_output=True, check=False)  # noqa: S603
    if applied.returncode != 0:
        raise BackupError(
            f"{_failed('psql', applied)}; the restore was rolled back, nothing changed"
        )
