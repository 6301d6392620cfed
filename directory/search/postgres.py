"""Running a plan on PostgreSQL: GIN indexes over the `grams` and `name_grams` tsvectors.

A variant matches when the text holds every one of its bigrams, in any order: checking each
candidate's text for the exact string would cost more than the rare false match it removes
(measured: three times slower at 100,000 services). Ranking reads the small `name_grams`.

GIN indexes give matches in no order, so how a page is found depends on how many match, which
is counted first: a few hundred are ranked and sorted at once; a few thousand, tier by tier.
With more, a tier is first looked for among the first rows of the table in doc_id order, where
a common tier fills the page at once; only a tier too rare for that is fetched whole and
sorted. The planner cannot make that choice itself: its estimates for bigram queries are far
off, and filters that follow the area (doc_id's first bits) or a rare prefix would have it
walk most of the table in doc_id order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import Any

from sqlalchemy import (
    ColumnCollection,
    ColumnElement,
    Subquery,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session

from directory.search.index import ServiceSearchText
from directory.search.plan import Plan, Word, shortest, tiered_page
from directory.search.tokens import synonym_token, topic_token
from directory.textnorm import bigrams

# Matches up to RANK_ALL (SORT_ALL with filters): all ranked and sorted in one query. Up to
# SORT_ALL: each tier fetched whole and sorted. More: each tier first looked for in the first
# WINDOW rows in doc_id order.
RANK_ALL = 500
SORT_ALL = 3000
WINDOW = 2000
_INDEX = ServiceSearchText.__table__
# Ordering by this, not by doc_id, keeps the planner from walking the doc_id index and reading
# `grams` row after row until it has enough: matches are to be fetched from GIN, then sorted.
_SORT_KEY = _INDEX.c.doc_id + literal_column("0")
Columns = ColumnCollection[str, Any]  # of the index table, or of a subquery over it


@contextmanager
def index_scans(session: Session) -> Iterator[None]:
    """Keep the planner off sequential scans of the index table meanwhile.

    Its cost model does not count unpacking each row's large `grams` (kept apart, in TOAST):
    when many services match, it picks a scan ten times slower than the indexes. The setting
    lasts to the end of the transaction (SET LOCAL) or until restored here.
    """
    session.execute(text("SET LOCAL enable_seqscan = off"))
    yield
    session.execute(text("SET LOCAL enable_seqscan TO DEFAULT"))


class PostgresRunner:
    def __init__(self, session: Session, plan: Plan) -> None:
        self.session = session
        self.plan = plan
        self.match = _match(plan, _INDEX.c)
        self.total: int | None = None

    @cached_property
    def tiers(self) -> list[ColumnElement[bool]]:
        return _tiers(self.plan, _INDEX.c)

    @cached_property
    def first_rows(self) -> tuple[Subquery, list[ColumnElement[bool]]]:
        """The first rows of the index in doc_id order, and the tiers over them."""
        columns = (_INDEX.c.service_id, _INDEX.c.doc_id, _INDEX.c.name_grams, _INDEX.c.tags)
        columns += (_INDEX.c.grams,)
        statement = select(*columns).where(*_in_range(self.plan, _INDEX.c))
        rows = statement.order_by(_INDEX.c.doc_id).limit(WINDOW).subquery()
        return rows, _tiers(self.plan, rows.c)

    def ids(self, limit: int, offset: int) -> list[str]:
        # With filters, a tier is fetched before they apply (they are read from each row), so
        # it may hold far more rows than match: ranking the matches costs less, up to SORT_ALL.
        rank_all = SORT_ALL if self.plan.tag_groups else RANK_ALL
        if self.plan.tiered and self.count() > rank_all:
            return tiered_page(self._first_of_tier, len(self.tiers), limit, offset)
        score = sum(map(_level, self.plan.words), literal(0))
        statement = (
            select(_INDEX.c.service_id, func.count().over())
            .where(self.match)
            .order_by(score.desc(), _SORT_KEY)
            .limit(limit)
            .offset(offset)
        )
        rows = self.session.execute(statement).all()
        if rows:
            self.total = rows[0][1]
        return [row[0] for row in rows]

    def count(self) -> int:
        """Counted once, and first when ranking needs it (see the module docstring)."""
        if self.total is None:
            statement = select(func.count()).select_from(_INDEX).where(self.match)
            self.total = self.session.scalar(statement) or 0
        return self.total

    def exists(self) -> bool:
        statement = select(_INDEX.c.service_id).where(self.match).limit(1)
        return self.session.execute(statement).first() is not None

    def _first_of_tier(self, tier: int, limit: int) -> list[str]:
        if self.count() > SORT_ALL:
            rows, tiers = self.first_rows
            among_first = (
                select(rows.c.service_id).where(tiers[tier]).order_by(rows.c.doc_id).limit(limit)
            )
            ids = list(self.session.scalars(among_first))
            if len(ids) == limit:
                return ids
        everywhere = select(_INDEX.c.service_id).where(self.tiers[tier])
        return list(self.session.scalars(everywhere.order_by(_SORT_KEY).limit(limit)))


def _match(plan: Plan, columns: Columns) -> ColumnElement[bool]:
    """Every word (one of its variants) and one tag of every group, in `grams`."""
    words = [_any_variant(word) for word in plan.words]
    tags = _tag_groups(plan)
    if not words and not tags:
        return true()
    return and_(_matches(columns.grams, _and(words + tags)), *_in_range(plan, columns))


def _in_range(plan: Plan, columns: Columns) -> list[ColumnElement[bool]]:
    """The doc_id range of the areas asked for: implied by their tags, but seekable."""
    if plan.doc_ids is None:
        return []
    low, high = plan.doc_ids
    return [columns.doc_id >= low, columns.doc_id < high]


def _tiers(plan: Plan, columns: Columns) -> list[ColumnElement[bool]]:
    """The tiers of a plan of at most one word, best first, over the ``columns`` given.

    The key in a name, or a boost (a synonym in a name, a whole topic name), implies that the
    word matched: those tiers need only the tags besides.
    """
    match = _match(plan, columns)
    if not plan.words:
        return [match]
    word = plan.words[0]
    in_name, boosted = _in_name(word, columns), _boosted(word, columns)
    # The tags read from `tags`, kept in the row, not from `grams` (in TOAST): a tier is found
    # through `name_grams` alone.
    tags = [
        or_(*(func.strpos(columns.tags, f" {tag} ") > 0 for tag in group))
        for group in plan.tag_groups
    ]
    only_tags = [*tags, *_in_range(plan, columns)]
    return [
        and_(in_name, *only_tags),
        and_(boosted, not_(in_name), *only_tags),
        and_(not_(in_name), not_(boosted), match),  # the small `name_grams` first
    ]


def _level(word: Word) -> ColumnElement[int]:
    """3: the key in a name; 2: a synonym in a name, or a whole topic name; else 1."""
    return case((_in_name(word, _INDEX.c), 3), (_boosted(word, _INDEX.c), 2), else_=1)


def _in_name(word: Word, columns: Columns) -> ColumnElement[bool]:
    return _matches(columns.name_grams, _all_bigrams(word.key))


def _any_variant(word: Word) -> str:
    """The word's groups' tokens, or the bigrams of its key (a word without synonyms)."""
    if word.groups:
        return _tokens(map(synonym_token, word.groups))
    return " | ".join(map(_all_bigrams, shortest(word.variants)))


def _boosted(word: Word, columns: Columns) -> ColumnElement[bool]:
    """A synonym (a group's token) in the name, or a variant that is a whole topic name."""
    alternatives = [synonym_token(group) for group in word.groups]
    alternatives += [topic_token(v) for v in word.variants]
    return _matches(columns.name_grams, _tokens(alternatives))


def _tag_groups(plan: Plan) -> list[str]:
    return [_tokens(group) for group in plan.tag_groups]


def _tokens(tokens: Iterable[str]) -> str:
    """A tsquery that holds when one of these tokens (ASCII, or a key's) is there."""
    return " | ".join(f"'{token}'" for token in tokens)


def _matches(column: ColumnElement[Any], query: str) -> ColumnElement[bool]:
    return column.bool_op("@@")(cast(literal(query), TSQUERY))


def _and(clauses: list[str]) -> str:
    return " & ".join(f"({clause})" for clause in clauses)


def _all_bigrams(key: str) -> str:
    """A tsquery that holds when every bigram of the key is there (a prefix for one character)."""
    if len(key) == 1:
        return f"'{key}':*"
    return "(" + " & ".join(f"'{g}'" for g in dict.fromkeys(bigrams(key))) + ")"
