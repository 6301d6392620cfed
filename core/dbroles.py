"""Least-privilege PostgreSQL roles for the two apps, derived from each table's ``info``.

The public site and the back office connect as two different roles, and neither owns a table: an
owner can always change or delete its rows, whatever the grants, so migrations run as a third,
owner role. What each app role may do to a table is declared beside the table itself:

- ``info["public"] == "read"``: the public role may read it, through a view of its published rows
  and public columns only (`core.public_views`: ``public_rows``, ``public_columns``,
  ``private_columns``), never the table itself;
- ``info["public"] == "count"``: the public role may SELECT, INSERT and UPDATE the table itself;
- ``info["public_function"]``: the public role may EXECUTE that function (a SECURITY DEFINER
  function made by a migration, e.g. the one that adds a card scan) and nothing else on the
  table, so it can bump a counter by one but never set or read it;
- no ``"public"`` key: the public role gets nothing, so a new table is private until marked;
- ``info["append_only"]``: the back-office role may only SELECT it and INSERT every column but
  the one the database numbers (the audit trail's ``id``), so ids come from the sequence alone;
- any other table: the back-office role may SELECT, INSERT, UPDATE and DELETE it.

The SQL starts by revoking everything and remaking the views, so running it again after a
migration is safe and a reclassified table loses the privileges it had. The model modules must
be imported before ``Base.metadata`` is read: the app factory does that, since ``core`` may not
import them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import Engine, MetaData, Table, inspect, text
from sqlalchemy.dialects import postgresql

from core.db import Base, get_engine
from core.public_views import (
    PUBLIC_READ_SCHEMA,
    PublicViewError,
    drop_public_views_sql,
    public_view_sql,
    shown_columns,
)

PUBLIC_ROLE = "tsunagu_public"
BACKOFFICE_ROLE = "tsunagu_backoffice"
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
FUNCTION_SIGNATURE = re.compile(r"[a-z_][a-z0-9_]{0,62}\((?:[a-z ]+(?:, [a-z ]+)*)?\)")
PUBLIC_PRIVILEGES = {"read": ("SELECT",), "count": ("SELECT", "INSERT", "UPDATE")}
BACKOFFICE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")
APPEND_ONLY_PRIVILEGES = ("SELECT", "INSERT")
# Only the owner running migrations may touch Alembic's bookkeeping.
ALEMBIC_TABLE = "alembic_version"
# Dollar-quote tag of the DO blocks; no name may contain it, or it would end the block early.
TAG = "$grants$"

_quote = postgresql.dialect().identifier_preparer.quote


class RoleGrantsError(ValueError):
    """The grants cannot be built or applied (bad name, wrong database, unmigrated schema)."""


def role_grants_sql(
    tables: MetaData | Iterable[Table],
    *,
    public_role: str = PUBLIC_ROLE,
    backoffice_role: str = BACKOFFICE_ROLE,
    database: str,
    schema: str = "public",
) -> list[str]:
    """The statements that create both roles if missing and grant each exactly its privileges.

    ``tables`` is usually ``Base.metadata``; a list of tables lets a caller add or leave out some.
    """
    roles = _checked_roles(public_role, backoffice_role)
    chosen = _tables_in_schema(tables, schema)
    both = f"{_quote(public_role)}, {_quote(backoffice_role)}"
    on_schema = _quote(schema)
    views = _quote(PUBLIC_READ_SCHEMA)
    public = _quote(public_role)

    statements = [_create_role_sql(role) for role in roles]
    statements.append(_guard_sql(roles, (schema, PUBLIC_READ_SCHEMA)))
    statements += [
        f"GRANT CONNECT ON DATABASE {_quote(database)} TO {both}",
        f"GRANT USAGE ON SCHEMA {on_schema} TO {both}",
        f"REVOKE CREATE ON SCHEMA {on_schema} FROM PUBLIC, {both}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {on_schema} FROM {both}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {on_schema} FROM {both}",
        f"REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {on_schema} FROM PUBLIC, {both}",
        f"REVOKE ALL ON SCHEMA {views} FROM PUBLIC, {both}",
        f"GRANT USAGE ON SCHEMA {views} TO {public}",
        # Unqualified names find the views first; only the counting function is in the other.
        f"ALTER ROLE {public} IN DATABASE {_quote(database)} "
        f"SET search_path = {views}, {on_schema}",
        drop_public_views_sql(),
    ]
    public_inserts: list[Table] = []
    for table in chosen:
        statements += _table_grants_sql(table, schema, public_role, backoffice_role)
        if "INSERT" in table_privileges(table)[0]:
            public_inserts.append(table)
    # Every table gives the back office INSERT, so it needs every table's serial sequence.
    statements += _sequence_grants_sql(public_inserts, public_role, schema)
    statements += _sequence_grants_sql(chosen, backoffice_role, schema)
    statements.append(f"REVOKE ALL ON {_qualified(schema, ALEMBIC_TABLE)} FROM {both}")
    return statements


def _table_grants_sql(
    table: Table, schema: str, public_role: str, backoffice_role: str
) -> list[str]:
    public, backoffice = table_privileges(table)
    public_columns(table)  # refuses a declaration that cannot be honoured
    name = _qualified(schema, table.name)
    statements = []
    if public == PUBLIC_PRIVILEGES["read"]:
        statements.append(public_view_sql(table, schema=schema))
        view = _qualified(PUBLIC_READ_SCHEMA, table.name)
        statements.append(f"GRANT SELECT ON {view} TO {_quote(public_role)}")
    elif public:
        statements.append(f"GRANT {', '.join(public)} ON {name} TO {_quote(public_role)}")
    if backoffice == APPEND_ONLY_PRIVILEGES:
        statements.append(f"GRANT SELECT ON {name} TO {_quote(backoffice_role)}")
        numbered = table.autoincrement_column
        listed = ", ".join(_quote(c.name) for c in table.columns if c is not numbered)
        statements.append(f"GRANT INSERT ({listed}) ON {name} TO {_quote(backoffice_role)}")
    else:
        statements.append(f"GRANT {', '.join(backoffice)} ON {name} TO {_quote(backoffice_role)}")
    function = public_function(table)
    if function:
        statements.append(
            f"GRANT EXECUTE ON FUNCTION {_quote(schema)}.{function} TO {_quote(public_role)}"
        )
    return statements


def table_privileges(table: Table) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The privileges of the public role and of the back-office role on ``table``."""
    public = table.info.get("public")
    if public is not None and public not in PUBLIC_PRIVILEGES:
        raise RoleGrantsError(
            f"table {table.name}: info['public'] must be one of {sorted(PUBLIC_PRIVILEGES)}, "
            f"not {public!r}"
        )
    append_only = bool(table.info.get("append_only"))
    if append_only and public == "count":
        raise RoleGrantsError(f"table {table.name}: an append-only table cannot be a counter")
    return (
        PUBLIC_PRIVILEGES[public] if public else (),
        APPEND_ONLY_PRIVILEGES if append_only else BACKOFFICE_PRIVILEGES,
    )


def public_function(table: Table) -> str | None:
    """The function signature the public role may execute for this table, e.g. ``f(integer)``."""
    function = table.info.get("public_function")
    if function is None:
        return None
    if not FUNCTION_SIGNATURE.fullmatch(function):
        raise RoleGrantsError(
            f"table {table.name}: public_function {function!r} is not name(types)"
        )
    return function


def public_columns(table: Table) -> tuple[str, ...]:
    """The columns the public role may read of ``table`` (through its view)."""
    try:
        return shown_columns(table)
    except PublicViewError as exc:
        raise RoleGrantsError(str(exc)) from exc


def apply_role_grants(
    engine: Engine,
    tables: MetaData | Iterable[Table],
    *,
    public_role: str = PUBLIC_ROLE,
    backoffice_role: str = BACKOFFICE_ROLE,
    schema: str = "public",
) -> list[str]:
    """Run the grants in one transaction; returns the schema's tables that got no grants.

    Those are tables the database has but ``tables`` does not, usually because a model module
    was not imported: both roles are denied them until it is.
    """
    _refuse_unless_postgresql(engine)
    chosen = _tables_in_schema(tables, schema)
    with engine.begin() as connection:
        existing = set(inspect(connection).get_table_names(schema=schema))
        declared = {table.name for table in chosen}
        missing = sorted((declared | {ALEMBIC_TABLE}) - existing)
        if PUBLIC_READ_SCHEMA not in inspect(connection).get_schema_names():
            missing.append(f"schema {PUBLIC_READ_SCHEMA}")
        if missing:
            raise RoleGrantsError(
                f"tables not in the database yet: {', '.join(missing)}; "
                "migrate first (flask tsunagu init), then grant"
            )
        database = connection.scalar(text("SELECT current_database()"))
        statements = role_grants_sql(
            chosen,
            public_role=public_role,
            backoffice_role=backoffice_role,
            database=str(database),
            schema=schema,
        )
        # The driver's own cursor, given no parameters, leaves format()'s %I and %s alone.
        cursor = connection.connection.cursor()
        try:
            for statement in statements:
                cursor.execute(statement)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise RoleGrantsError(f"the database refused the grants: {exc}") from exc
        finally:
            cursor.close()
    return sorted(existing - declared - {ALEMBIC_TABLE})


def _refuse_unless_postgresql(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        raise RoleGrantsError(
            f"database roles need PostgreSQL, and TSUNAGU_DATABASE_URL is {engine.dialect.name}: "
            "there both apps open the same database, with no roles to grant"
        )


def _checked_roles(public_role: str, backoffice_role: str) -> tuple[str, str]:
    for role in (public_role, backoffice_role):
        if not ROLE_NAME.fullmatch(role):
            raise RoleGrantsError(
                f"role name {role!r}: use 1-63 lowercase letters, digits and underscores, "
                "not starting with a digit"
            )
    if public_role == backoffice_role:
        raise RoleGrantsError("the public and back-office roles must be different roles")
    return public_role, backoffice_role


def _tables_in_schema(tables: MetaData | Iterable[Table], schema: str) -> list[Table]:
    listed = tables.sorted_tables if isinstance(tables, MetaData) else list(tables)
    for table in listed:
        if table.schema not in (None, schema):
            # The blanket REVOKE covers one schema only; a table elsewhere would keep old grants.
            raise RoleGrantsError(f"table {table.fullname} is outside schema {schema}")
    return sorted((t for t in listed if t.name != ALEMBIC_TABLE), key=lambda t: t.name)


def _qualified(schema: str, table: str) -> str:
    return f"{_quote(schema)}.{_quote(table)}"


def _literal(value: str) -> str:
    if TAG in value:
        raise RoleGrantsError(f"name {value!r} contains {TAG}")
    return "'" + value.replace("'", "''") + "'"


def _do(body: str) -> str:
    return f"DO {TAG}\n{body.strip()}\n{TAG}"


def _create_role_sql(role: str) -> str:
    # No password: the operator sets one afterwards, so it never appears in this SQL or a log.
    return _do(f"""
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {_literal(role)}) THEN
        CREATE ROLE {_quote(role)} LOGIN;
    END IF;
END""")


def _guard_sql(roles: tuple[str, str], schemas: tuple[str, ...]) -> str:
    """Stop if a role could bypass the grants: a superuser, or an owner of what we protect.

    Membership of the owner role counts as owning: a member may act as the owner.
    """
    names = ", ".join(_literal(role) for role in roles)
    nsp = ", ".join(_literal(schema) for schema in schemas)
    # Every name in the block went through _literal or _quote.
    return _do(f"""
DECLARE
    problem text;
BEGIN
    SELECT CASE WHEN r.rolsuper OR r.rolbypassrls
            THEN format('%I is a superuser or bypasses row-level security', r.rolname)
            ELSE format('%I owns (or is a member of the owner of) %s', r.rolname, o.what) END
    INTO problem
    FROM pg_roles AS r, (
        SELECT 'database ' || quote_ident(datname), datdba
        FROM pg_database WHERE datname = current_database()
        UNION ALL
        SELECT 'schema ' || quote_ident(nspname), nspowner
        FROM pg_namespace WHERE nspname IN ({nsp})
        UNION ALL
        SELECT c.oid::regclass::text, c.relowner
        FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname IN ({nsp})
    ) AS o (what, owner)
    WHERE r.rolname IN ({names})
        AND (r.rolsuper OR r.rolbypassrls OR pg_has_role(r.oid, o.owner, 'MEMBER'))
    LIMIT 1;
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION 'refusing to grant: %; the app roles must own nothing, so run '
            'migrations as a separate owner role', problem;
    END IF;
END""")  # noqa: S608


def _sequence_grants_sql(tables: list[Table], role: str, schema: str) -> list[str]:
    """USAGE and SELECT on the serial or identity sequences of ``tables``, found by the server."""
    if not tables:
        return []
    regclasses = ",\n        ".join(_literal(_qualified(schema, t.name)) for t in tables)
    # Every name in the block went through _literal or _quote.
    return [
        _do(f"""
DECLARE
    seq text;
BEGIN
    FOR seq IN
        SELECT pg_get_serial_sequence(a.attrelid::regclass::text, a.attname)
        FROM pg_attribute AS a
        WHERE a.attrelid = ANY (ARRAY[
        {regclasses}
        ]::regclass[])
            AND a.attnum > 0 AND NOT a.attisdropped
    LOOP
        IF seq IS NOT NULL THEN
            EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %s TO %I', seq, {_literal(role)});
        END IF;
    END LOOP;
END""")  # noqa: S608
    ]


db_group = AppGroup(
    "db",
    help="PostgreSQL administration: the least-privilege roles the two apps connect as.",
)


@click.command("roles")
@click.option(
    "--public-role",
    default=PUBLIC_ROLE,
    show_default=True,
    help="Role the public site connects as: reads published data, counts QR scans.",
)
@click.option(
    "--backoffice-role",
    default=BACKOFFICE_ROLE,
    show_default=True,
    help="Role the back office connects as: staff data, audit trail append-only.",
)
@click.option(
    "--apply",
    "apply_now",
    is_flag=True,
    help="Run the SQL now, as the user in TSUNAGU_DATABASE_URL, instead of printing it.",
)
@with_appcontext
def roles_command(public_role: str, backoffice_role: str, apply_now: bool) -> None:
    """Create the two roles the apps connect as and grant each only what it needs.

    The public site connects as the public role: it may read the published directory and the
    municipality profile, through views in schema public_read that show published rows and
    public columns only (never a draft or a staff note), and count QR scans, nothing else. The
    back office connects as the back-office role: it may read and write its tables, but only
    add to the audit trail (the database numbers each event), never change or delete it.
    Neither role may own a table (an owner can change its tables whatever the grants), so
    migrations run as a third role, the owner.

    Run this as the owner (TSUNAGU_DATABASE_URL naming it; --apply also needs CREATEROLE) after
    every migration: a new table is granted, and the views follow the tables, only then.
    Running it again is safe: it revokes everything and remakes the views first.

    \b
    1. flask --app wsgi tsunagu init                migrate, as the owner
    2. flask --app wsgi db roles > roles.sql        print the SQL; review it, then
       psql -v ON_ERROR_STOP=1 -f roles.sql         run it as the owner
       (or: flask --app wsgi db roles --apply      run it now, in one transaction)
    3. the roles have no password yet: set one for each, in psql as the owner
       (\\password runs ALTER ROLE ... PASSWORD, hashed and kept out of the history):
       \\password tsunagu_public
       \\password tsunagu_backoffice
    4. give each app process a TSUNAGU_DATABASE_URL with its own role
    """
    if not Base.metadata.tables:
        raise click.ClickException(
            "no tables are declared: the app factory must import the model modules first"
        )
    engine = get_engine()
    try:
        if not apply_now:
            click.echo(_review_script(engine, public_role, backoffice_role))
            return
        ungranted = apply_role_grants(
            engine, Base.metadata, public_role=public_role, backoffice_role=backoffice_role
        )
    except RoleGrantsError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"roles: {public_role} and {backoffice_role} granted; set their passwords next")
    if ungranted:
        click.echo(f"no grants (not declared in the loaded models): {', '.join(ungranted)}")


def _review_script(engine: Engine, public_role: str, backoffice_role: str) -> str:
    _refuse_unless_postgresql(engine)
    if not engine.url.database:
        raise RoleGrantsError("TSUNAGU_DATABASE_URL names no database")
    statements = role_grants_sql(
        Base.metadata,
        public_role=public_role,
        backoffice_role=backoffice_role,
        database=engine.url.database,
    )
    body = "".join(f"{statement};\n\n" for statement in statements)
    return f"-- Run as the owner of the tables, after every migration.\nBEGIN;\n\n{body}COMMIT;"


db_group.add_command(roles_command)
