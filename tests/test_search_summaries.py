"""Result summaries: what a search result shows, kept in the index row and always in step."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import Engine, Text, cast, func, inspect, select, text, update
from sqlalchemy.orm import Session

from core.db import Base, get_engine, make_engine
from core.dbroles import apply_role_grants
from core.migrate import alembic_config, upgrade_to_head
from directory.demo import load_demo_directory
from directory.hours import open_at, service_status
from directory.models import ContactChannel, Schedule, Service
from directory.search import loading
from directory.search.index import ServiceSearchText
from directory.search.loading import load_services
from directory.search.query import SearchQuery
from directory.search.reindex import fill_summaries, reindex
from directory.search.results import search_services
from directory.search.summaries import FIELDS, ServiceSummary, summary_from_json
from tests.conftest import SERVER_URL
from tests.databases import fresh_database
from tests.demo_copies import DemoCopies
from tests.test_db_roles import acting_as, drop_roles, migrated_database, unique_roles

MONDAY_MORNING = datetime(2026, 3, 9, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
# A week of instants, every five hours, and the year-end closure: open-now must agree.
INSTANTS = [MONDAY_MORNING + timedelta(hours=5 * n) for n in range(34)]
INSTANTS += [datetime(2026, 12, 29, 1, 0, tzinfo=UTC), datetime(2027, 1, 1, 13, 0, tzinfo=UTC)]


def load_directory(session: Session) -> None:
    load_demo_directory(session)
    reindex(session)
    session.commit()


@pytest.fixture
def directory(session: Session, demo_copies: DemoCopies) -> Session:
    return demo_copies.load(session, load_directory)


def published(session: Session) -> list[Service]:
    return list(session.scalars(select(Service).where(Service.status == "published")))


def summary_of(session: Session, service_id: str) -> ServiceSummary:
    (summary,) = load_services(session, [service_id])
    return summary


def test_every_summary_shows_what_the_tables_hold(directory: Session) -> None:
    services = published(directory)
    summaries = load_services(directory, [s.id for s in services])

    assert [s.id for s in summaries] == [s.id for s in services]
    for service, summary in zip(services, summaries, strict=True):
        assert {f: getattr(summary, f) for f in FIELDS} == {f: getattr(service, f) for f in FIELDS}
        assert summary.organization.name == service.organization.name
        assert [(c.kind, c.value, c.label, c.href) for c in summary.channels] == [
            (c.kind, c.value, c.label, c.href) for c in service.channels
        ]
        assert len(summary.schedules) == len(service.schedules)
        for moment in INSTANTS:
            assert open_at(summary, moment) == open_at(service, moment), (service.name, moment)
            assert service_status(summary, moment) == service_status(service, moment)


def test_a_reindexed_edit_reaches_the_summary(directory: Session) -> None:
    service = published(directory)[0]
    service.name = "ぞうきん相談"
    service.channels = [ContactChannel(kind="phone", value="0772-00-0000", label="電話")]
    service.schedules = [
        Schedule(kind="weekly", weekday=0, opens_at=time(9), closes_at=time(12)),
        Schedule(kind="weekly", weekday=0, opens_at=time(22), closes_at=time(6)),
    ]
    reindex(directory, [service])
    directory.commit()

    result = search_services(directory, SearchQuery(text="ぞうきん"), now=MONDAY_MORNING)

    (summary,) = result.items
    assert summary.name == "ぞうきん相談"
    assert [(c.kind, c.href) for c in summary.channels] == [("phone", "tel:0772000000")]
    assert [(s.opens_at, s.closes_at) for s in summary.schedules] == [
        (time(9), time(12)),
        (time(22), time(6)),
    ]
    assert open_at(summary, MONDAY_MORNING)


def test_a_service_no_longer_published_is_not_shown_from_a_stale_row(directory: Session) -> None:
    service = published(directory)[0]
    service.status = "archived"  # the index row is left as it was, on purpose
    directory.commit()

    assert load_services(directory, [service.id]) == []
    found = search_services(directory, SearchQuery(text=service.name), now=MONDAY_MORNING)
    assert service.id not in [s.id for s in found.items]  # read with the ids, checked too


def test_a_stored_summary_is_parsed_once_per_text(directory: Session) -> None:
    service = published(directory)[0]
    stored = directory.scalar(
        select(cast(ServiceSearchText.summary, Text))
        .where(ServiceSearchText.service_id == service.id)
    )  # fmt: skip
    assert stored is not None
    edited = json.dumps(json.loads(stored) | {"name": "別の名前"})

    first = summary_from_json(service.id, stored)

    assert summary_from_json(service.id, stored) is first
    assert first == summary_of(directory, service.id)
    assert summary_from_json(service.id, edited).name == "別の名前"
    assert summary_from_json(service.id, stored).name == service.name


QUERIES = [
    SearchQuery(text="死にたい"),
    SearchQuery(text="京都 いのち"),
    SearchQuery(text="相談", free=True, page=2, per_page=5),
    SearchQuery(topics=("debt",), channels=("phone",)),
    SearchQuery(text="こころ", open_now=True),
]


@pytest.mark.parametrize("query", QUERIES, ids=range(len(QUERIES)))
def test_a_page_reads_its_summaries_with_its_ids(
    directory: Session, monkeypatch: pytest.MonkeyPatch, query: SearchQuery
) -> None:
    expected = search_services(directory, query, now=MONDAY_MORNING)
    monkeypatch.setattr(loading, "_SUMMARIES", None)  # a query of its own for them would fail

    result = search_services(directory, query, now=MONDAY_MORNING)

    assert result.items
    assert result == expected


def test_rows_without_a_summary_are_shown_and_fill_summaries_stores_theirs(
    directory: Session,
) -> None:
    services = published(directory)
    expected = load_services(directory, [s.id for s in services])
    directory.execute(update(ServiceSearchText).values(summary=None))  # as before migration 0010
    directory.execute(
        update(ServiceSearchText)
        .where(ServiceSearchText.service_id == services[0].id)
        .values(summary={"name": "an older shape"})
    )
    directory.commit()

    assert load_services(directory, [s.id for s in services]) == expected
    assert fill_summaries(directory) == len(services) - 1  # the one of an older shape is not NULL
    directory.commit()
    assert directory.scalar(select(ServiceSearchText.summary).limit(1)) is not None
    assert load_services(directory, [s.id for s in services]) == expected


def test_init_fills_missing_summaries_and_reindex_rebuilds_the_index(empty_app: Flask) -> None:
    runner = empty_app.test_cli_runner()
    assert runner.invoke(args=["tsunagu", "init"]).exit_code == 0
    assert runner.invoke(args=["tsunagu", "demo"]).exit_code == 0
    with Session(get_engine(empty_app)) as session:
        session.execute(update(ServiceSearchText).values(summary=None))
        session.commit()

    filled = runner.invoke(args=["tsunagu", "init"])
    again = runner.invoke(args=["tsunagu", "init"])
    rebuilt = runner.invoke(args=["directory", "reindex"])

    assert "result summaries built" in filled.output
    assert "search: index up to date" in again.output
    assert rebuilt.exit_code == 0 and "published services indexed" in rebuilt.output
    with Session(get_engine(empty_app)) as session:
        summaries = session.scalars(select(ServiceSearchText.summary)).all()
        assert summaries and all(summary is not None for summary in summaries)


# ---- migration 0033: the column `card` becomes `summary` ------------------------------------


def index_columns(engine: Engine) -> list[str]:
    return [column["name"] for column in inspect(engine).get_columns("service_search")]


def sqlite_search_objects(engine: Engine) -> list[tuple[str, str]]:
    """The FTS5 tables and their triggers (SQLite), which a copy of the table would lose."""
    if engine.dialect.name != "sqlite":
        return []
    query = "SELECT type, name FROM sqlite_master WHERE name LIKE 'service_search_fts%'"
    with engine.connect() as connection:
        return sorted((kind, name) for kind, name in connection.execute(text(query)))


def test_migration_0033_renames_the_column_both_ways_keeping_values_and_search(
    tmp_path: Path,
) -> None:
    with fresh_database(SERVER_URL, tmp_path) as url:
        engine = make_engine(url)
        upgrade_to_head(engine)
        with Session(engine) as session:
            load_demo_directory(session)
            indexed = reindex(session)
            session.commit()
            before = search_services(session, SearchQuery(text="借金"), now=MONDAY_MORNING)
        fts = sqlite_search_objects(engine)

        command.downgrade(alembic_config(engine), "0032")
        down_columns = index_columns(engine)
        with engine.connect() as connection:
            kept = connection.scalar(text("SELECT count(card) FROM service_search"))
        down_fts = sqlite_search_objects(engine)
        upgrade_to_head(engine)
        with Session(engine) as session:
            after = search_services(session, SearchQuery(text="借金"), now=MONDAY_MORNING)
            stored = session.scalar(select(func.count(ServiceSearchText.summary)))
        up_fts = sqlite_search_objects(engine)
        engine.dispose()

    assert "card" in down_columns and "summary" not in down_columns
    assert kept == stored == indexed > 0
    assert down_fts == up_fts == fts  # SQLite: the FTS5 tables and their triggers stay
    assert bool(fts) == (SERVER_URL is None)  # they exist on SQLite alone
    assert before.items and after == before


def has_public_view(engine: Engine) -> bool:
    with engine.connect() as connection:
        found = connection.scalar(text("SELECT to_regclass('public_read.service_search')"))
    return found is not None


@pytest.mark.postgres_only
def test_migration_0033_drops_the_public_view_which_db_roles_makes_again(tmp_path: Path) -> None:
    public, backoffice = unique_roles()
    with migrated_database(tmp_path) as engine:
        try:
            apply_role_grants(engine, Base.metadata, public_role=public, backoffice_role=backoffice)
            command.downgrade(alembic_config(engine), "0032")
            assert not has_public_view(engine)
            with engine.begin() as connection:  # as `db roles` makes it at 0032
                view = "CREATE VIEW public_read.service_search AS SELECT * FROM service_search"
                connection.execute(text(view))
            upgrade_to_head(engine)
            assert not has_public_view(engine)
            apply_role_grants(engine, Base.metadata, public_role=public, backoffice_role=backoffice)
            with acting_as(engine, public) as connection:
                shown = connection.execute(text("SELECT summary FROM service_search")).keys()
        finally:
            drop_roles(engine, public, backoffice)

    assert list(shown) == ["summary"]
