"""Result cards: what a search result shows, kept in the index row and always in step."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

import pytest
from flask import Flask
from sqlalchemy import Text, cast, select, update
from sqlalchemy.orm import Session

from core.db import get_engine
from directory.demo import load_demo_directory
from directory.hours import open_at, service_status
from directory.models import ContactChannel, Schedule, Service
from directory.search import loading
from directory.search.cards import FIELDS, ServiceCard, card_from_json
from directory.search.index import ServiceSearchText
from directory.search.loading import load_services
from directory.search.query import SearchQuery
from directory.search.reindex import fill_cards, reindex
from directory.search.results import search_services

MONDAY_MORNING = datetime(2026, 3, 9, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
# A week of instants, every five hours, and the year-end closure: open-now must agree.
INSTANTS = [MONDAY_MORNING + timedelta(hours=5 * n) for n in range(34)]
INSTANTS += [datetime(2026, 12, 29, 1, 0, tzinfo=UTC), datetime(2027, 1, 1, 13, 0, tzinfo=UTC)]


@pytest.fixture
def directory(session: Session) -> Session:
    load_demo_directory(session)
    reindex(session)
    session.commit()
    return session


def published(session: Session) -> list[Service]:
    return list(session.scalars(select(Service).where(Service.status == "published")))


def card_of(session: Session, service_id: str) -> ServiceCard:
    (card,) = load_services(session, [service_id])
    return card


def test_every_card_shows_what_the_tables_hold(directory: Session) -> None:
    services = published(directory)
    cards = load_services(directory, [s.id for s in services])

    assert [c.id for c in cards] == [s.id for s in services]
    for service, card in zip(services, cards, strict=True):
        assert {f: getattr(card, f) for f in FIELDS} == {f: getattr(service, f) for f in FIELDS}
        assert card.organization.name == service.organization.name
        assert [(c.kind, c.value, c.label, c.href) for c in card.channels] == [
            (c.kind, c.value, c.label, c.href) for c in service.channels
        ]
        assert len(card.schedules) == len(service.schedules)
        for moment in INSTANTS:
            assert open_at(card, moment) == open_at(service, moment), (service.name, moment)
            assert service_status(card, moment) == service_status(service, moment)


def test_a_reindexed_edit_reaches_the_card(directory: Session) -> None:
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

    (card,) = result.items
    assert card.name == "ぞうきん相談"
    assert [(c.kind, c.href) for c in card.channels] == [("phone", "tel:0772000000")]
    assert [(s.opens_at, s.closes_at) for s in card.schedules] == [
        (time(9), time(12)),
        (time(22), time(6)),
    ]
    assert open_at(card, MONDAY_MORNING)


def test_a_service_no_longer_published_is_not_shown_from_a_stale_row(directory: Session) -> None:
    service = published(directory)[0]
    service.status = "archived"  # the index row is left as it was, on purpose
    directory.commit()

    assert load_services(directory, [service.id]) == []
    found = search_services(directory, SearchQuery(text=service.name), now=MONDAY_MORNING)
    assert service.id not in [card.id for card in found.items]  # read with the ids, checked too


def test_a_stored_card_is_parsed_once_per_text(directory: Session) -> None:
    service = published(directory)[0]
    stored = directory.scalar(
        select(cast(ServiceSearchText.card, Text)).where(ServiceSearchText.service_id == service.id)
    )
    assert stored is not None
    edited = json.dumps(json.loads(stored) | {"name": "別の名前"})

    first = card_from_json(service.id, stored)

    assert card_from_json(service.id, stored) is first
    assert first == card_of(directory, service.id)
    assert card_from_json(service.id, edited).name == "別の名前"
    assert card_from_json(service.id, stored).name == service.name


QUERIES = [
    SearchQuery(text="死にたい"),
    SearchQuery(text="京都 いのち"),
    SearchQuery(text="相談", free=True, page=2, per_page=5),
    SearchQuery(topics=("debt",), channels=("phone",)),
    SearchQuery(text="こころ", open_now=True),
]


@pytest.mark.parametrize("query", QUERIES, ids=range(len(QUERIES)))
def test_a_page_reads_its_cards_with_its_ids(
    directory: Session, monkeypatch: pytest.MonkeyPatch, query: SearchQuery
) -> None:
    expected = search_services(directory, query, now=MONDAY_MORNING)
    monkeypatch.setattr(loading, "_CARDS", None)  # a query of its own for the cards would fail

    result = search_services(directory, query, now=MONDAY_MORNING)

    assert result.items
    assert result == expected


def test_rows_without_a_card_are_shown_and_fill_cards_stores_theirs(directory: Session) -> None:
    services = published(directory)
    expected = load_services(directory, [s.id for s in services])
    directory.execute(update(ServiceSearchText).values(card=None))  # as indexed before cards
    directory.execute(
        update(ServiceSearchText)
        .where(ServiceSearchText.service_id == services[0].id)
        .values(card={"name": "an older shape"})
    )
    directory.commit()

    assert load_services(directory, [s.id for s in services]) == expected
    assert fill_cards(directory) == len(services) - 1  # the one of an older shape is not NULL
    directory.commit()
    assert directory.scalar(select(ServiceSearchText.card).limit(1)) is not None
    assert load_services(directory, [s.id for s in services]) == expected


def test_init_fills_missing_cards_and_reindex_rebuilds_the_index(empty_app: Flask) -> None:
    runner = empty_app.test_cli_runner()
    assert runner.invoke(args=["tsunagu", "init"]).exit_code == 0
    assert runner.invoke(args=["tsunagu", "demo"]).exit_code == 0
    with Session(get_engine(empty_app)) as session:
        session.execute(update(ServiceSearchText).values(card=None))
        session.commit()

    filled = runner.invoke(args=["tsunagu", "init"])
    again = runner.invoke(args=["tsunagu", "init"])
    rebuilt = runner.invoke(args=["directory", "reindex"])

    assert "result cards built" in filled.output
    assert "search: index up to date" in again.output
    assert rebuilt.exit_code == 0 and "published services indexed" in rebuilt.output
    with Session(get_engine(empty_app)) as session:
        cards = session.scalars(select(ServiceSearchText.card)).all()
        assert cards and all(card is not None for card in cards)
