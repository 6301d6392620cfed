"""Night ranking: within each relevance tier, the services open now come first, for every query.

Run on SQLite (FTS5 for words and filters, the scan for an empty query) and on PostgreSQL (GIN)
when TEST_DATABASE_URL names one.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
from sqlalchemy.orm import Session

from core.timezone import TOKYO
from directory.demo import load_demo_directory
from directory.hours import open_at
from directory.search import results
from directory.search.query import SearchQuery
from directory.search.results import SearchResult, search_services
from tests.demo_copies import DemoCopies

NIGHT = datetime(2026, 12, 8, 2, 30, tzinfo=TOKYO)  # a Tuesday
WEEKDAY_MORNING = datetime(2026, 12, 8, 10, 0, tzinfo=TOKYO)
QUERIES = [
    {"q": "しにたい"},
    {"q": "死にたい"},
    {},
    {"q": "借金"},
    {"topics": "mental-health"},
    {"q": "電話 相談"},  # several words: every match scored, open first within a score
    {"q": "相談 無料"},
    {"q": "つらい 相談"},
]


def load_directory(session: Session) -> None:
    load_demo_directory(session)
    session.commit()


@pytest.fixture
def directory(session: Session, demo_copies: DemoCopies) -> Session:
    return demo_copies.load(session, load_directory)


def search(session: Session, now: datetime, **args: str) -> SearchResult:
    return search_services(session, SearchQuery.from_args({"per_page": "50", **args}), now=now)


def relevance_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        results,
        "night_ids",
        lambda runner, is_open, hours, limit, offset: runner.ids(limit, offset),
    )
    monkeypatch.setattr(
        results,
        "night_scored",
        lambda runner, is_open, limit, offset: results.page(runner, limit, offset),
    )


def test_several_words_put_the_open_lines_first_among_equal_matches(
    directory: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    ranked = [summary.id for summary in search(directory, NIGHT, q="つらい 相談").items]
    relevance_only(monkeypatch)
    plain = search(directory, NIGHT, q="つらい 相談").items
    moved = [s for s in plain if open_at(s, NIGHT) and ranked.index(s.id) < (
        [c.id for c in plain].index(s.id))]  # fmt: skip

    assert sorted(ranked) == sorted(summary.id for summary in plain)
    assert moved  # a line that answers now came ahead of an equal match that does not


def test_at_night_the_lines_that_answer_come_before_the_closed_city_office(
    directory: Session,
) -> None:
    found = search(directory, NIGHT, q="しにたい").items
    names = [summary.name for summary in found]
    open_now = [summary.name for summary in found if open_at(summary, NIGHT)]

    assert open_now and names[0] in open_now
    office = names.index("京丹後市 健康長寿福祉部 健康推進課")
    assert all(names.index(name) < office for name in open_now)


@pytest.mark.parametrize("args", QUERIES, ids=range(len(QUERIES)))
@pytest.mark.parametrize("now", [NIGHT, WEEKDAY_MORNING], ids=["night", "morning"])
def test_open_now_first_keeps_the_matches_and_pages_agree(
    directory: Session, monkeypatch: pytest.MonkeyPatch, args: dict[str, str], now: datetime
) -> None:
    ranked = search(directory, now, **args)
    ids = [summary.id for summary in ranked.items]
    paged = [
        summary.id
        for page in range(1, 20)
        for summary in search(directory, now, per_page="4", page=str(page), **args).items
    ]
    relevance_only(monkeypatch)
    plain = search(directory, now, **args)

    assert ids and paged == ids
    assert ranked.total == plain.total and sorted(ids) == sorted(c.id for c in plain.items)
    # Each open service moved only ahead of closed ones: among the open, relevance order holds.
    opened = [summary.id for summary in ranked.items if open_at(summary, now)]
    assert opened == [summary.id for summary in plain.items if open_at(summary, now)]
    if "q" not in args:  # one tier only: every open service before every closed one
        assert ids[: len(opened)] == opened


def test_past_the_checked_rows_a_tier_keeps_index_order_and_pages_agree(
    directory: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(results, "NIGHT_CHECKED", 3)
    full = [summary.id for summary in search(directory, NIGHT).items]
    paged = [
        summary.id
        for page in range(1, 30)
        for summary in search(directory, NIGHT, per_page="2", page=str(page)).items
    ]

    assert full and paged == full
    assert len(set(full)) == len(full) == search(directory, NIGHT).total


@pytest.mark.parametrize(
    ("words", "language"),
    [("suicide", "en"), ("自殺", "ja"), ("しにたい", "ja"), ("want to die", "en")],
)
@pytest.mark.parametrize("now", [NIGHT, WEEKDAY_MORNING], ids=["night", "morning"])
def test_a_crisis_search_puts_every_open_line_first_whatever_its_words_tier(
    directory: Session, words: str, language: str, now: datetime
) -> None:
    """ "Suicide" is in the name of lines that are closed at night: they come after the open
    ones all the same, and a crisis search in English finds what one in Japanese finds."""
    query = SearchQuery.from_args({"q": words, "per_page": "50"}, page_language=language)
    crisis = replace(query, open_first=True)

    found = search_services(directory, crisis, now=now)
    paged = [
        summary.id
        for number in range(1, 20)
        for summary in search_services(
            directory, replace(crisis, per_page=4, page=number), now=now
        ).items
    ]
    plain = search_services(directory, query, now=now)

    ids = [summary.id for summary in found.items]
    opened = [summary.id for summary in found.items if open_at(summary, now)]
    assert opened and ids[: len(opened)] == opened
    assert paged == ids and sorted(ids) == sorted(s.id for s in plain.items)
    assert found.total == plain.total
    wish = search(directory, now, q="死にたい")
    assert {s.id for s in wish.items} <= set(ids)  # as wide as the wish itself
