"""Running a plan on PostgreSQL: one GIN index over the `grams` tsvector answers everything.

`grams` holds every token of a row (`directory.search.rows`), the name's again with a prefix
(`tokens.name_token`), so each condition a search needs, a tier's "in the name and not..."
included, is one tsquery that the index answers exactly: no row's tokens are ever unpacked from
TOAST to check one. A Japanese variant matches when the text holds every one of its bigrams,
in any order: checking each candidate's text for the exact string would cost more than the rare
false match it removes (measured: three times slower at 100,000 services). Letters and digits are
another matter: a long English text holds most of the few hundred Latin bigrams, so "stress"
would be "found" in a name that only has st, tr, re, es and ss somewhere. A key with a letter or
a digit is therefore checked against the texts of the rows its bigrams give (`_Where.checks`).

The rows visited for a match are small: every long value (tokens, texts, the summary) is kept
apart in TOAST (migration 0012), so a count or a tier visits a few heap pages per thousand
services. GIN gives matches in no order: a tier is fetched whole and the first of it in doc_id
order kept. Several words are scored together: each word's name and boost conditions are found
through the index once, not checked row by row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
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
from directory.search.loading import status_of_row
from directory.search.plan import Plan, Word, shortest, tiered_page
from directory.search.tokens import NOWHERE, name_token, synonym_token, topic_token
from directory.textnorm import bigrams

_INDEX = ServiceSearchText.__table__
# Ordering by this, not by doc_id, keeps the planner from walking the doc_id index and checking
# `grams` row after row until it has enough: matches are to be fetched from GIN, then sorted.
_SORT_KEY = _INDEX.c.doc_id + literal_column("0")
# A page's rows come with their summaries: a pointer each, carried through the sort; the
# summaries (in TOAST) and statuses (a subquery the planner runs after LIMIT) are read for the
# page only.
_PAGE = (_INDEX.c.service_id, _INDEX.c.summary, status_of_row())
_TEXTS = _INDEX.c.name_text + _INDEX.c.topic_text + _INDEX.c.body_text
_LATIN = re.compile(r"[a-z0-9]")  # in a key: its bigrams are checked (see the docstring)


@dataclass(frozen=True)
class _Where:
    """A tsquery the GIN index answers ("" for every row), and checks of the rows it gives."""

    query: str
    checks: tuple[ColumnElement[bool], ...] = ()

    def also(self, query: str, checks: Iterable[ColumnElement[bool]] = ()) -> _Where:
        return _Where(_and([c for c in (self.query, query) if c]), (*self.checks, *checks))


@contextmanager
def index_scans(session: Session) -> Iterator[None]:
    """Keep the planner off sequential scans of the index table meanwhile.

    Its cost model does not count unpacking each row's `grams` (kept apart, in TOAST): when
    many services match, it picks a scan ten times slower than the index. The setting lasts to
    the end of the transaction (SET LOCAL) or until restored here.
    """
    session.execute(text("SET LOCAL enable_seqscan = off"))
    yield
    session.execute(text("SET LOCAL enable_seqscan TO DEFAULT"))


class PostgresRunner:
    def __init__(self, session: Session, plan: Plan) -> None:
        self.session = session
        self.plan = plan
        self.match = _match(plan)
        self.total: int | None = None
        self.found: dict[str, tuple[Any, str]] = {}  # the summaries (decoded) read with the ids
        self.scores: dict[str, int] = {}

    def ids(self, limit: int, offset: int) -> list[str]:
        if self.plan.tiered:
            tiers = _tiers(self.plan)
            return tiered_page(lambda t, n: self._first(tiers[t], n), len(tiers), limit, offset)
        score = sum((self._level(word) for word in self.plan.words), literal(0))
        statement = (
            select(*_PAGE, func.count().over(), score)
            .where(*self._where(self.match))
            .order_by(score.desc(), _SORT_KEY)
            .limit(limit)
            .offset(offset)
        )
        rows = self.session.execute(statement).all()
        self.scores |= {row[0]: row[4] for row in rows}
        if rows:
            self.total = rows[0][3]
        return self._ids(rows)

    def count(self) -> int:
        if self.total is None:
            statement = select(func.count()).select_from(_INDEX).where(*self._where(self.match))
            self.total = self.session.scalar(statement) or 0
        return self.total

    def exists(self) -> bool:
        statement = select(_INDEX.c.service_id).where(*self._where(self.match)).limit(1)
        return self.session.execute(statement).first() is not None

    def _first(self, where: _Where, limit: int) -> list[str]:
        """The first ``limit`` rows of a tier in doc_id order.

        The total comes with them while it is unknown (a subquery run once), which saves a
        round trip whenever the page is full and needs it.
        """
        total = select(func.count()).select_from(_INDEX).where(*self._where(self.match))
        columns = [*_PAGE]
        if self.total is None:
            columns.append(total.scalar_subquery())
        statement = select(*columns).where(*self._where(where)).order_by(_SORT_KEY).limit(limit)
        rows = self.session.execute(statement).all()
        if rows and self.total is None:
            self.total = rows[0][3]
        return self._ids(rows)

    def tier_count(self) -> int:
        return len(_tiers(self.plan))

    def tier_rows(self, tier: int, limit: int, hours: tuple[str, ...]) -> None:
        """None: a tier's rows with the hours tags and those without are read apart
        (`first_of`). GIN gives a tier's matches in no order, so reading the whole tier to sort
        it costs more here than reading the part with the tags, which is most often enough."""
        return None

    def first_of(
        self, tier: int, limit: int, hours: tuple[str, ...], candidates: bool
    ) -> list[str]:
        """The first ``limit`` of a tier in doc_id order, with one of the ``hours`` tags or
        without (`results.night_ids`)."""
        tags = _tokens(hours)
        hours_part = tags if candidates else f"!({tags})"
        return self._first(_tiers(self.plan)[tier].also(hours_part), limit)

    def _ids(self, rows: Sequence[Row[Any]]) -> list[str]:
        """The ids of rows read with their summaries, which are kept for the page."""
        self.found |= {row[0]: (row[1], row[2]) for row in rows}
        return [row[0] for row in rows]

    def _where(self, where: _Where) -> list[ColumnElement[bool]]:
        """The tsquery, which the GIN index answers whole, and the checks of Latin keys.

        The areas asked for are in the tsquery as tags: a doc_id range for them as well (doc_ids
        start with the area) would let the planner seek that range and unpack each row's
        `grams` to check the rest, a cost it does not see (measured at 10,000: a crisis word
        among free national services took 12 ms a search instead of 4).
        """
        return [_matches(where.query) if where.query else true(), *where.checks]

    def _level(self, word: Word) -> ColumnElement[int]:
        """3: the key in a name; 2: a synonym in a name, or a whole topic name; else 1.

        Each set is found through the index once (a hashed subplan), among the matches only,
        rather than by unpacking every match's `grams` to test it.
        """
        named = self.match.also(_in_name(word), _checks_in_name(word))
        in_name = select(_INDEX.c.service_id).where(*self._where(named))
        boosted = select(_INDEX.c.service_id).where(*self._where(self.match.also(_boosted(word))))
        return case(
            (_INDEX.c.service_id.in_(in_name), 3),
            (_INDEX.c.service_id.in_(boosted), 2),
            else_=1,
        )


def _match(plan: Plan) -> _Where:
    """Every word (one of its variants) and one tag of every group ("" for all)."""
    query = _and([_any_variant(word) for word in plan.words] + _tag_groups(plan))
    return _Where(query, tuple(check for word in plan.words for check in _checks_of_match(word)))


def _tiers(plan: Plan) -> list[_Where]:
    """The tiers of a plan of at most one word, best first, over `grams`.

    The key in a name, or a boost (a synonym in a name, a whole topic name), implies that the
    word matched: those tiers need only the tags besides. A Latin key's bigrams in the name may
    be a false match, so whether the key is in the name is its check's to say.
    """
    match = _match(plan)
    if not plan.words:
        return [match]
    word, tags = plan.words[0], _tag_groups(plan)
    in_name, boosted = _in_name(word), _boosted(word)
    named = _checks_in_name(word)
    if named:
        elsewhere = (not_(*named),)
        return [
            _Where(_and([in_name, *tags]), named),
            _Where(_and([boosted, *tags]), elsewhere),
            match.also(f"!({boosted})", elsewhere),
        ]
    return [
        _Where(_and([in_name, *tags])),
        _Where(_and([boosted, f"!({in_name})", *tags])),
        match.also(f"!({in_name}) & !({boosted})"),
    ]


def _checks_of_match(word: Word) -> tuple[ColumnElement[bool], ...]:
    """That a variant of a word without synonyms, one with a letter or digit, is in the texts.

    Group tokens are exact already: a row has one when its texts hold a term of the group.
    """
    variants = shortest(word.variants)
    if word.whole or word.groups or not any(_LATIN.search(v) for v in variants):
        return ()
    return (or_(*(func.strpos(_TEXTS, v) > 0 for v in variants)),)


def _checks_in_name(word: Word) -> tuple[ColumnElement[bool], ...]:
    """That a key with a letter or digit is in the name, not only its bigrams."""
    if word.whole or not _LATIN.search(word.key):
        return ()
    return (func.strpos(_INDEX.c.name_text, word.key) > 0,)


def _any_variant(word: Word) -> str:
    """The word's groups' tokens, or the bigrams of its key (a word without synonyms)."""
    if word.whole:  # one or two kana: whole words only (`plan.Word.whole`)
        return _tokens([*map(synonym_token, word.groups), *map(topic_token, word.variants)])
    if word.groups:
        return _tokens(map(synonym_token, word.groups))
    return " | ".join(_all_bigrams(variant) for variant in shortest(word.variants))


def _in_name(word: Word) -> str:
    if word.whole:  # in a name only as a word of its groups (`plan.Word.whole`)
        return _tokens([name_token(synonym_token(g)) for g in word.groups] or [NOWHERE])
    return _all_bigrams(word.key, name=True)


def _boosted(word: Word) -> str:
    """A synonym in the name (a group's token, there), or a variant that is a whole topic name."""
    alternatives = [name_token(synonym_token(group)) for group in word.groups]
    alternatives += [topic_token(v) for v in word.variants]
    return _tokens(alternatives)


def _tag_groups(plan: Plan) -> list[str]:
    return [_tokens(group) for group in plan.tag_groups]


def _matches(query: str) -> ColumnElement[bool]:
    return _INDEX.c.grams.bool_op("@@")(cast(literal(query), TSQUERY))


def _and(clauses: list[str]) -> str:
    return " & ".join(f"({clause})" for clause in clauses)


def _tokens(tokens: Iterable[str]) -> str:
    """A tsquery that holds when one of these tokens (ASCII, or a key's) is there."""
    return " | ".join(f"'{token}'" for token in tokens)


def _all_bigrams(key: str, *, name: bool = False) -> str:
    """A tsquery that holds when every bigram of the key is there (a prefix for one character).

    With ``name``, among the name's tokens.
    """
    mark = name_token if name else str
    if len(key) == 1:
        return f"'{mark(key)}':*"
    return "(" + " & ".join(f"'{mark(g)}'" for g in dict.fromkeys(bigrams(key))) + ")"
