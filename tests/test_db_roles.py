"""PostgreSQL roles: the public site only reads what is published, the audit trail only grows."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    select,
    text,
)
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

import cards.models  # noqa: F401  (declares the card tables)
import core.profile  # noqa: F401  (declares municipality_profile)
import directory.models  # noqa: F401  (declares the directory tables)
from cards.batches import count_scan, find_scan_target, public_download_target
from cards.design import default_design
from cards.designs import public_card_design
from cards.models import CardBatch, SavedDesign, ScanCount
from core import audit
from core.config import DEFAULT_PROFILE
from core.db import Base, get_engine, init_db, make_engine, utcnow
from core.dbroles import RoleGrantsError, apply_role_grants, db_group, role_grants_sql
from core.migrate import upgrade_to_head
from core.profile import read_profile_file
from tests.conftest import SERVER_URL
from tests.databases import fresh_database

# Not a module-level pytestmark: the tests that need no server must run on SQLite too.
postgres_only = pytest.mark.postgres_only

PUBLIC_TABLES = ("contact_channel", "municipality_profile", "organization", "service")

# Stand-ins for tables other features will add, created only in the test database.
TEST_ONLY = MetaData()
Table("staff_like", TEST_ONLY, Column("id", Integer, primary_key=True), Column("note", String(50)))
Table(
    "audit_like",
    TEST_ONLY,
    Column("id", Integer, primary_key=True),
    Column("entry", String(50)),
    info={"append_only": True},
)
Table(
    "count_like",
    TEST_ONLY,
    Column("id", Integer, primary_key=True),
    Column("scans", Integer, nullable=False),
    info={"public": "count"},
)


@dataclass(frozen=True)
class Granted:
    engine: Engine
    public: str
    backoffice: str

    def apply(self, tables: list[Table] | None = None) -> None:
        apply_role_grants(
            self.engine,
            all_tables() if tables is None else tables,
            public_role=self.public,
            backoffice_role=self.backoffice,
        )


def all_tables() -> list[Table]:
    return [*Base.metadata.sorted_tables, *TEST_ONLY.sorted_tables]


def unique_roles() -> tuple[str, str]:
    # Roles belong to the whole cluster, so each run needs names no other run uses.
    suffix = secrets.token_hex(4)
    return f"tsunagu_public_{suffix}", f"tsunagu_backoffice_{suffix}"


def drop_roles(engine: Engine, *roles: str) -> None:
    """Drop the roles; their only grants are in this database, so one DROP OWNED suffices."""
    with engine.begin() as connection:
        existing = connection.scalars(
            text("SELECT rolname FROM pg_roles WHERE rolname = ANY(:roles)"),
            {"roles": list(roles)},
        ).all()
        if existing:
            names = ", ".join(existing)
            connection.execute(text(f"DROP OWNED BY {names}"))
            connection.execute(text(f"DROP ROLE {names}"))


@contextmanager
def migrated_database(directory: Path) -> Iterator[Engine]:
    if not SERVER_URL:
        pytest.fail(
            "postgres_only tests need TEST_DATABASE_URL; deselect with -m 'not postgres_only'"
        )
    with fresh_database(SERVER_URL, directory) as url:
        # No pool: a connection that switched roles is never handed out again.
        engine = make_engine(url, poolclass=NullPool)
        try:
            upgrade_to_head(engine)
            yield engine
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def granted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Granted]:
    public, backoffice = unique_roles()
    with migrated_database(tmp_path_factory.mktemp("roles")) as engine:
        TEST_ONLY.create_all(engine)
        granted = Granted(engine, public, backoffice)
        try:
            granted.apply()
            yield granted
        finally:
            drop_roles(engine, public, backoffice)


def role_url(engine: Engine, role: str) -> str:
    """A URL that signs in as ``role``, with a password set now (the roles are made without)."""
    password = secrets.token_hex(16)
    with engine.begin() as owner:
        owner.execute(text(f"ALTER ROLE {role} PASSWORD '{password}'"))
    return engine.url.set(username=role, password=password).render_as_string(hide_password=False)


@contextmanager
def acting_as(engine: Engine, role: str) -> Iterator[Connection]:
    """A connection signed in as ``role``, with its own settings (the public role's search
    path); everything it does is rolled back."""
    as_role = create_engine(role_url(engine, role), poolclass=NullPool)
    try:
        with as_role.connect() as connection:
            yield connection
    finally:
        as_role.dispose()


def assert_denied(engine: Engine, role: str, statement: str) -> None:
    with acting_as(engine, role) as connection, pytest.raises(ProgrammingError) as caught:
        connection.execute(text(statement))
    assert isinstance(caught.value.orig, psycopg.errors.InsufficientPrivilege)


def assert_denied_or_missing(engine: Engine, role: str, statement: str) -> None:
    """Refused: for want of a privilege, or because no such function exists for the role."""
    with acting_as(engine, role) as connection, pytest.raises(ProgrammingError) as caught:
        connection.execute(text(statement))
    refusals = (psycopg.errors.InsufficientPrivilege, psycopg.errors.UndefinedFunction)
    assert isinstance(caught.value.orig, refusals)


def has_sequence_usage(granted: Granted, role: str, sequence: str) -> bool:
    with granted.engine.connect() as connection:
        return bool(
            connection.scalar(
                text("SELECT has_sequence_privilege(:role, :sequence, 'USAGE')"),
                {"role": role, "sequence": sequence},
            )
        )


def grants_of(granted: Granted) -> set[tuple[str, str, str]]:
    """Every (role, relation or column, privilege) the two roles hold on tables, views,
    sequences and columns, e.g. ``(role, "public_read.service", "SELECT")``."""
    with granted.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT r.rolname, n.nspname || '.' || c.relname, a.privilege_type"
                " FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace,"
                " aclexplode(c.relacl) AS a JOIN pg_roles AS r ON r.oid = a.grantee"
                " WHERE n.nspname IN ('public', 'public_read')"
                " AND r.rolname IN (:public, :backoffice)"
                " UNION ALL"
                " SELECT r.rolname, n.nspname || '.' || c.relname || '.' || t.attname,"
                " a.privilege_type"
                " FROM pg_attribute AS t JOIN pg_class AS c ON c.oid = t.attrelid"
                " JOIN pg_namespace AS n ON n.oid = c.relnamespace,"
                " aclexplode(t.attacl) AS a JOIN pg_roles AS r ON r.oid = a.grantee"
                " WHERE n.nspname = 'public' AND r.rolname IN (:public, :backoffice)"
            ),
            {"public": granted.public, "backoffice": granted.backoffice},
        )
        return {(row[0], row[1], row[2]) for row in rows}


@postgres_only
@pytest.mark.parametrize("table", PUBLIC_TABLES)
def test_public_role_reads_the_published_tables(granted: Granted, table: str) -> None:
    with acting_as(granted.engine, granted.public) as connection:
        assert connection.scalar(text(f"SELECT count(*) FROM {table}")) == 0  # noqa: S608


@postgres_only
@pytest.mark.parametrize("table", ["staff_like", "audit_like", "alembic_version"])
def test_public_role_cannot_read_unflagged_tables(granted: Granted, table: str) -> None:
    assert_denied(granted.engine, granted.public, f"SELECT * FROM {table}")  # noqa: S608


@postgres_only
@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO organization (id, name, name_kana, created_at, updated_at)"
        " VALUES ('o1', 'x', '', now(), now())",
        "UPDATE service SET name = name",
        "DELETE FROM contact_channel",
        "UPDATE municipality_profile SET slug = 'other'",
    ],
)
def test_public_role_cannot_change_the_published_tables(granted: Granted, statement: str) -> None:
    assert_denied(granted.engine, granted.public, statement)


@postgres_only
def test_public_role_adds_and_bumps_counters(granted: Granted) -> None:
    with acting_as(granted.engine, granted.public) as connection:
        connection.execute(text("INSERT INTO count_like (scans) VALUES (1)"))
        connection.execute(text("UPDATE count_like SET scans = scans + 1"))

        assert connection.scalar(text("SELECT scans FROM count_like")) == 2


@postgres_only
def test_public_role_cannot_delete_counters(granted: Granted) -> None:
    assert_denied(granted.engine, granted.public, "DELETE FROM count_like")


@postgres_only
def test_public_role_may_use_only_the_counters_sequences(granted: Granted) -> None:
    assert has_sequence_usage(granted, granted.public, "count_like_id_seq")
    assert not has_sequence_usage(granted, granted.public, "contact_channel_id_seq")
    assert not has_sequence_usage(granted, granted.public, "staff_like_id_seq")
    assert has_sequence_usage(granted, granted.backoffice, "staff_like_id_seq")


@postgres_only
def test_backoffice_role_appends_to_and_reads_the_audit_trail(granted: Granted) -> None:
    with acting_as(granted.engine, granted.backoffice) as connection:
        connection.execute(text("INSERT INTO audit_like (entry) VALUES ('signed in')"))

        assert connection.scalar(text("SELECT count(*) FROM audit_like")) == 1


@postgres_only
@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_like SET entry = 'rewritten'", "DELETE FROM audit_like", "TRUNCATE audit_like"],
)
def test_backoffice_role_cannot_rewrite_the_audit_trail(granted: Granted, statement: str) -> None:
    assert_denied(granted.engine, granted.backoffice, statement)


@postgres_only
def test_backoffice_role_writes_ordinary_tables(granted: Granted) -> None:
    with acting_as(granted.engine, granted.backoffice) as connection:
        connection.execute(text("INSERT INTO staff_like (note) VALUES ('a')"))
        connection.execute(text("UPDATE staff_like SET note = 'b'"))
        connection.execute(
            text(
                "INSERT INTO organization (id, name, name_kana, created_at, updated_at)"
                " VALUES ('o1', 'x', '', now(), now())"
            )
        )
        connection.execute(text("DELETE FROM staff_like"))

        assert connection.scalar(text("SELECT count(*) FROM organization")) == 1


@postgres_only
@pytest.mark.parametrize("which", ["public", "backoffice"])
def test_neither_role_can_create_tables(granted: Granted, which: str) -> None:
    role = getattr(granted, which)
    assert_denied(granted.engine, role, "CREATE TABLE public.planted (id integer)")


@postgres_only
def test_applying_again_changes_nothing(granted: Granted) -> None:
    before = grants_of(granted)

    granted.apply()

    assert grants_of(granted) == before
    assert (granted.public, "public_read.organization", "SELECT") in before
    assert (granted.public, "public.organization", "SELECT") not in before
    assert (granted.backoffice, "public.audit_like.entry", "INSERT") in before
    assert (granted.backoffice, "public.audit_like.id", "INSERT") not in before


@postgres_only
def test_a_reclassified_table_loses_its_old_grants(granted: Granted) -> None:
    private_counter = Table("count_like", MetaData(), Column("id", Integer, primary_key=True))
    tables = [t for t in all_tables() if t.name != "count_like"] + [private_counter]
    try:
        granted.apply(tables)

        assert_denied(granted.engine, granted.public, "SELECT * FROM count_like")
        assert not has_sequence_usage(granted, granted.public, "count_like_id_seq")
    finally:
        granted.apply()


@postgres_only
def test_refuses_while_an_app_role_owns_a_table(granted: Granted) -> None:
    with granted.engine.begin() as connection:
        connection.execute(text("CREATE TABLE owned_by_app (id integer)"))
        connection.execute(text(f"ALTER TABLE owned_by_app OWNER TO {granted.backoffice}"))
    try:
        with pytest.raises(RoleGrantsError, match=f"{granted.backoffice} owns .*owned_by_app"):
            granted.apply()
    finally:
        with granted.engine.begin() as connection:
            connection.execute(text("DROP TABLE owned_by_app"))


@postgres_only
def test_public_role_counts_card_scans_but_never_reads_a_batchs_note(granted: Granted) -> None:
    with Session(granted.engine) as owner, owner.begin():
        design = SavedDesign(name="roles-test", fields={}, updated_by="designer")
        owner.add_all([
            CardBatch(code="rolestest2", design=design, purpose="school", note="校長と相談",
                      created_by="staff1", quantity=40),
            CardBatch(code="rolestest3", design=design, purpose="public_download"),
            CardBatch(code="rolestest4", design=design, purpose="event", retired_at=utcnow()),
        ])  # fmt: skip
    try:
        with acting_as(granted.engine, granted.public) as connection:
            public = Session(bind=connection)
            target = find_scan_target(public, "rolestest2")
            assert target is not None and target.active
            download = public_download_target(public)
            assert download is not None
            fallback = default_design(read_profile_file(DEFAULT_PROFILE))
            assert public_card_design(public, download.design_id, fallback) is not None
            count_scan(public, target.id)
            count_scan(public, target.id)
            retired = find_scan_target(public, "rolestest4")
            assert retired is not None and not retired.active
            count_scan(public, retired.id)  # the function counts active batches only
            # What the role sees of a batch: the view's columns are there, emptied.
            hidden = connection.execute(
                text("SELECT note, created_by, quantity FROM card_batch WHERE code = 'rolestest2'")
            ).one()
            assert tuple(hidden) == ("", "", None)
            assert connection.scalar(text("SELECT updated_by FROM card_design")) == ""
            public.commit()
        with granted.engine.connect() as owner_connection:
            counts = owner_connection.execute(text("SELECT batch_id, count FROM card_scan_count"))
            assert dict(counts.all()) == {target.id: 2}
        for column in ("note", "created_by", "quantity", "*"):
            assert_denied(granted.engine, granted.public, f"SELECT {column} FROM public.card_batch")  # noqa: S608
        assert_denied(granted.engine, granted.public, "UPDATE card_batch SET retired_at = now()")
        assert_denied(granted.engine, granted.public, "SELECT updated_by FROM public.card_design")
        for statement in (
            "DELETE FROM card_scan_count",
            "SELECT count FROM card_scan_count",
            "UPDATE card_scan_count SET count = 999999",
            "INSERT INTO card_scan_count (batch_id, day, count) VALUES (1, '2026-01-01', 5)",
            # The day is the database's: the role cannot name one.
            f"SELECT count_card_scan({target.id}, '2020-01-01'::date)",
        ):
            assert_denied_or_missing(granted.engine, granted.public, statement)
    finally:
        with Session(granted.engine) as owner, owner.begin():
            owner.execute(ScanCount.__table__.delete())
            owner.execute(CardBatch.__table__.delete())
            owner.execute(SavedDesign.__table__.delete())


@postgres_only
def test_a_scan_is_counted_on_todays_date_in_tokyo(granted: Granted) -> None:
    with Session(granted.engine) as owner, owner.begin():
        design = SavedDesign(name="roles-test-day", fields={})
        owner.add(batch := CardBatch(code="rolestest5", design=design, purpose="school"))
        owner.flush()
        batch_id = batch.id
    try:
        with Session(granted.engine) as owner:
            owner.execute(text("SET LOCAL TimeZone = 'UTC'"))  # the session's zone is no matter
            count_scan(owner, batch_id)
            # now() is the transaction's start, so both read the same instant.
            tokyo = owner.scalar(text("SELECT (now() AT TIME ZONE 'Asia/Tokyo')::date"))
            day = owner.scalar(select(ScanCount.day).where(ScanCount.batch_id == batch_id))
            assert day == tokyo
    finally:
        with Session(granted.engine) as owner, owner.begin():
            owner.execute(ScanCount.__table__.delete())
            owner.execute(CardBatch.__table__.delete())
            owner.execute(SavedDesign.__table__.delete())


def test_a_limited_table_becomes_a_view_with_empty_private_columns() -> None:
    statements = role_grants_sql([CardBatch.__table__], database="tsunagu")

    view = next(s for s in statements if s.startswith("CREATE VIEW public_read.card_batch"))
    assert "CAST('' AS TEXT) AS note" in view and "CAST('' AS VARCHAR(200)) AS created_by" in view
    assert "\n    code,\n" in view and "FROM public.card_batch" in view
    assert "GRANT SELECT ON public_read.card_batch TO tsunagu_public" in statements
    assert not [s for s in statements if "ON public.card_batch TO tsunagu_public" in s]


def test_published_rows_are_a_security_barrier_view() -> None:
    statements = role_grants_sql(Base.metadata, database="tsunagu")

    service = next(s for s in statements if s.startswith("CREATE VIEW public_read.service "))
    assert "WITH (security_barrier)" in service and "WHERE status = 'published'" in service
    assert "CAST('' AS TEXT) AS check_note" in service
    channel = next(s for s in statements if s.startswith("CREATE VIEW public_read.contact_"))
    assert "SELECT id FROM public.service WHERE status = 'published'" in channel


def test_public_columns_need_a_read_table_and_real_columns() -> None:
    counter = Table(
        "odd", MetaData(), Column("id", Integer), info={"public": "count", "public_columns": ["id"]}
    )
    typo = Table(
        "typo2", MetaData(), Column("id", Integer), info={"public": "read", "public_columns": ["x"]}
    )

    with pytest.raises(RoleGrantsError, match="odd"):
        role_grants_sql([counter], database="tsunagu")
    with pytest.raises(RoleGrantsError, match="no such columns x"):
        role_grants_sql([typo], database="tsunagu")


def test_role_names_must_be_plain_lowercase_identifiers() -> None:
    with pytest.raises(RoleGrantsError, match="role name"):
        role_grants_sql(Base.metadata, public_role='web"; DROP TABLE x; --', database="tsunagu")
    with pytest.raises(RoleGrantsError, match="role name"):
        role_grants_sql(Base.metadata, backoffice_role="office\n", database="tsunagu")
    with pytest.raises(RoleGrantsError, match="different"):
        role_grants_sql(Base.metadata, public_role="web", backoffice_role="web", database="d")


def test_an_unknown_public_classification_is_refused() -> None:
    table = Table("typo", MetaData(), Column("id", Integer), info={"public": "write"})

    with pytest.raises(RoleGrantsError, match="typo"):
        role_grants_sql([table], database="tsunagu")


def test_names_are_quoted_in_the_sql() -> None:
    statements = role_grants_sql([], database='tsunagu"prod')

    assert 'GRANT CONNECT ON DATABASE "tsunagu""prod" TO tsunagu_public, tsunagu_backoffice' in (
        statements
    )


def cli_runner(database_url: str) -> FlaskCliRunner:
    app = Flask(__name__)
    init_db(app, database_url)
    app.cli.add_command(db_group)
    return app.test_cli_runner()


def test_db_roles_prints_the_sql_for_review_without_connecting() -> None:
    # The host does not exist: printing must not need the database.
    runner = cli_runner("postgresql+psycopg://owner@db.invalid/tsunagu")

    result = runner.invoke(
        args=["db", "roles", "--public-role", "web", "--backoffice-role", "office"]
    )

    assert result.exit_code == 0, result.output
    assert result.output.startswith("-- Run as the owner")
    assert "CREATE ROLE web LOGIN;" in result.output
    assert "PASSWORD" not in result.output
    assert "GRANT CONNECT ON DATABASE tsunagu TO web, office;" in result.output
    for table in Base.metadata.sorted_tables:
        granted_to_public = f".{table.name} TO web;" in result.output
        assert granted_to_public == bool(table.info.get("public")), table.name
    for table in PUBLIC_TABLES:
        assert f"GRANT SELECT ON public_read.{table} TO web;" in result.output
        assert f"ON public.{table} TO web;" not in result.output
    assert result.output.rstrip().endswith("COMMIT;")


def test_db_roles_apply_is_refused_on_sqlite(tmp_path: Path) -> None:
    runner = cli_runner(f"sqlite:///{tmp_path / 'tsunagu.sqlite3'}")

    result = runner.invoke(args=["db", "roles", "--apply"])

    assert result.exit_code != 0
    assert "database roles need PostgreSQL" in result.output
    assert not (tmp_path / "tsunagu.sqlite3").exists()


@postgres_only
def test_db_roles_apply_grants_on_postgresql(tmp_path: Path) -> None:
    public, backoffice = unique_roles()
    with migrated_database(tmp_path) as engine:
        runner = cli_runner(engine.url.render_as_string(hide_password=False))
        try:
            args = ["db", "roles", "--public-role", public, "--backoffice-role", backoffice]
            result = runner.invoke(args=[*args, "--apply"])

            assert result.exit_code == 0, result.output
            assert "set their passwords" in result.output
            with acting_as(engine, public) as connection:
                assert connection.scalar(text("SELECT count(*) FROM organization")) == 0
        finally:
            get_engine(runner.app).dispose()
            drop_roles(engine, public, backoffice)


def test_a_public_function_becomes_an_execute_grant_and_nothing_on_the_table() -> None:
    statements = role_grants_sql([ScanCount.__table__], database="tsunagu")

    assert "GRANT EXECUTE ON FUNCTION public.count_card_scan(integer) TO tsunagu_public" in (
        statements
    )
    assert not [s for s in statements if "card_scan_count TO tsunagu_public" in s]
    assert any(s.startswith("REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public") for s in statements)


def test_a_malformed_public_function_is_refused() -> None:
    table = Table(
        "odd2", MetaData(), Column("id", Integer), info={"public_function": "f(); DROP TABLE x"}
    )

    with pytest.raises(RoleGrantsError, match="odd2"):
        role_grants_sql([table], database="tsunagu")


@postgres_only
def test_backoffice_role_inserts_audit_events_but_never_their_ids(
    granted: Granted, backoffice_app: Flask
) -> None:
    # backoffice_app: its factory configures the audit trail as the back office runs it.
    with acting_as(granted.engine, granted.backoffice) as connection:
        event = audit.record(Session(bind=connection), action="roles.test")

        assert event.id is not None  # the database's sequence numbered it
    # Privileges are checked before any row is made: naming the id is refused as such.
    assert_denied(
        granted.engine, granted.backoffice, "INSERT INTO audit_event (id) SELECT 1 WHERE false"
    )
