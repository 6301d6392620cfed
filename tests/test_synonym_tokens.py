"""Synonym groups as index tokens: they find what the groups' words find, and stay in step."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from core.db import get_engine
from directory.demo import load_demo_directory
from directory.models import SearchSynonym
from directory.search.index import ServiceSearchText
from directory.search.plan import build_plan
from directory.search.query import SearchQuery
from directory.search.results import search_services
from directory.search.runners import runners
from directory.search.synonym_tokens import refresh_synonym_tokens
from directory.search.synonyms import load_synonyms, synonym_map
from directory.textnorm import is_short_kana, normalize
from tests.demo_copies import DemoCopies

NOW = datetime(2026, 3, 9, 1, 0, tzinfo=UTC)


def load_directory(session: Session) -> None:
    load_demo_directory(session)
    session.commit()


@pytest.fixture
def directory(session: Session, demo_copies: DemoCopies) -> Session:
    return demo_copies.load(session, load_directory)


def groups(session: Session) -> dict[str, list[str]]:
    """Each group's token and the keys of its terms that mark rows (one or two kana do not),
    worked out here from the table."""
    return {
        f"syn_{group.id}": [key for key in map(normalize, group.terms) if not is_short_kana(key)]
        for group in session.scalars(select(SearchSynonym))
    }


def test_a_row_carries_the_token_of_every_group_whose_words_its_texts_hold(
    directory: Session,
) -> None:
    expected_somewhere = set()
    for row in directory.scalars(select(ServiceSearchText)):
        texts = row.name_text + row.topic_text + row.body_text
        every = groups(directory).items()
        held = {token for token, keys in every if any(k in texts for k in keys)}
        named = {token for token, keys in every if any(k in row.name_text for k in keys)}

        assert row.synonym_tokens is not None
        assert set(row.synonym_tokens.split()) == held
        grams, name_grams = str(row.grams), str(row.name_grams)
        assert all(token in grams for token in held)
        if directory.get_bind().dialect.name == "postgresql":  # the name's tokens, marked
            assert all(f"n_{token}" in grams for token in named)
        else:
            assert all(token in name_grams for token in named)
        expected_somewhere |= held
    assert len(expected_somewhere) >= 5  # the demo's texts hold most groups' words


def ranked_by_reading_the_texts(session: Session, key: str, variants: list[str]) -> list[str]:
    """What a word should find, in order: any variant in the texts; 3 for the key in the name,
    2 for a synonym in the name or a variant that is a whole topic name, else 1; then doc_id.

    Variants of one or two kana are found only as whole topic names; such a key is in a name
    only as another variant of its groups."""
    found = []
    findable = [v for v in variants if not is_short_kana(v)]
    in_name = findable if is_short_kana(key) else [key]
    for row in session.scalars(select(ServiceSearchText)):
        texts = row.name_text + row.topic_text + row.body_text
        topic = any(f" {v} " in row.topic_text for v in variants)
        if not any(v in texts for v in findable) and not topic:
            continue
        level = 1
        if any(v in row.name_text for v in in_name):
            level = 3
        elif any(v in row.name_text for v in findable) or topic:
            level = 2
        found.append((-level, row.doc_id, row.service_id))
    return [service_id for *_, service_id in sorted(found)]


def test_every_synonym_finds_and_ranks_what_its_words_find_in_the_texts(
    directory: Session,
) -> None:
    synonyms = synonym_map(directory)
    assert len(synonyms) > 40
    for key, expansion in synonyms.items():
        plan = build_plan(SearchQuery(text=key), synonyms, NOW)
        with runners(directory) as runner_for:
            runner = runner_for(plan)
            indexed, total = runner.ids(1000, 0), runner.count()

        expected = ranked_by_reading_the_texts(directory, key, list(expansion.variants))
        assert indexed == expected, key
        assert total == len(expected), key
    crisis = synonyms["死にたい"].variants
    assert len(ranked_by_reading_the_texts(directory, "死にたい", list(crisis))) >= 3


def test_a_group_added_or_removed_reaches_only_the_rows_holding_its_words(
    directory: Session,
) -> None:
    group = SearchSynonym(terms=["ぞうきん", "ナビダイヤル"], note="test")
    directory.add(group)
    directory.flush()
    holding = [
        row.service_id
        for row in directory.scalars(select(ServiceSearchText))
        if "なびだいやる" in row.name_text + row.topic_text + row.body_text
    ]

    assert holding
    assert refresh_synonym_tokens(directory, [group.id]) == len(holding)
    token = f" syn_{group.id} "
    marked = directory.scalars(
        select(ServiceSearchText.service_id).where(ServiceSearchText.synonym_tokens.contains(token))
    ).all()
    assert sorted(marked) == sorted(holding)
    found = search_services(directory, SearchQuery(text="ゾウキン", per_page=50), now=NOW)
    assert sorted(summary.id for summary in found.items) == sorted(holding)

    group_id = group.id
    directory.delete(group)
    assert refresh_synonym_tokens(directory, [group_id]) == len(holding)
    assert refresh_synonym_tokens(directory) == 0
    assert search_services(directory, SearchQuery(text="ゾウキン"), now=NOW).total == 0


def test_init_gives_tokens_to_rows_indexed_before_them(empty_app: Flask) -> None:
    runner = empty_app.test_cli_runner()
    assert runner.invoke(args=["tsunagu", "init"]).exit_code == 0
    assert runner.invoke(args=["tsunagu", "demo"]).exit_code == 0
    engine = get_engine(empty_app)
    with Session(engine) as session:
        fresh = search_services(session, SearchQuery(text="死にたい", per_page=50), now=NOW)
        # An index written before groups were tokens: none in any row, NULL in the column.
        session.execute(delete(SearchSynonym))
        refresh_synonym_tokens(session)
        load_synonyms(session)
        session.execute(update(ServiceSearchText).values(synonym_tokens=None))
        session.commit()

    upgraded = runner.invoke(args=["tsunagu", "init"])
    again = runner.invoke(args=["tsunagu", "init"])

    assert "synonym tokens of" in upgraded.output
    assert "search: index up to date" in again.output
    with Session(engine) as session:
        assert None not in session.scalars(select(ServiceSearchText.synonym_tokens)).all()
        after = search_services(session, SearchQuery(text="死にたい", per_page=50), now=NOW)
    assert [summary.id for summary in after.items] == [summary.id for summary in fresh.items]
    assert "京都いのちの電話" in [summary.name for summary in after.items]


def test_a_term_of_two_kana_leads_to_its_group_but_marks_no_row(directory: Session) -> None:
    # うつ is inside きようつう, the reading of 共通 in a service's name: the term alone must
    # not give that service the group's token, nor must the query find it there.
    group = SearchSynonym(terms=["うつ", "ナビダイヤル"], note="test")
    directory.add(group)
    directory.flush()
    refresh_synonym_tokens(directory, [group.id])
    holding = {
        row.service_id
        for row in directory.scalars(select(ServiceSearchText))
        if "なびだいやる" in row.name_text + row.topic_text + row.body_text
    }
    reading_holds_utsu = {
        row.service_id
        for row in directory.scalars(select(ServiceSearchText))
        if "うつ" in row.name_text and "なびだいやる" not in row.name_text + row.body_text
    }
    marked = set(
        directory.scalars(
            select(ServiceSearchText.service_id).where(
                ServiceSearchText.synonym_tokens.contains(f" syn_{group.id} ")
            )
        )
    )
    found = search_services(directory, SearchQuery(text="ウツ", per_page=50), now=NOW)

    assert reading_holds_utsu  # the demo has such a name (全国共通番号)
    assert marked == holding
    assert {summary.id for summary in found.items} >= holding
    assert not {summary.id for summary in found.items} & reading_holds_utsu
