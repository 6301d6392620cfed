"""Running a plan on SQLite with FTS5: FTS5 alone finds and ranks.

FTS5 returns matches in rowid order, and the rowid is the doc_id (area and sort order), so a
tier is read only as far as the page needs. The SQL is put together from constant pieces and
parameter names only (hence the S608 waivers); the words reach it as bound FTS5 expressions of
quoted bigram phrases.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, String, text
from sqlalchemy.orm import Session

from directory.search.plan import Plan, Word, shortest, tiered_page
from directory.search.tokens import NOWHERE, synonym_token, topic_token
from directory.textnorm import bigrams

# Each row's service id, summary and status come with it, by the doc_id index and the service's
# primary key, so only the page's rows are read.
_STATUS = "(SELECT status FROM service WHERE service.id = s.service_id)"
_ROW_TYPES = {"summary": String(), "status": String()}  # the summary as stored, JSON text
_TIER = text(
    f"SELECT s.service_id, s.summary, {_STATUS} AS status FROM service_search_fts(:match) AS f"  # noqa: S608
    " JOIN service_search AS s ON s.doc_id = f.rowid ORDER BY f.rowid LIMIT :limit"
).columns(**_ROW_TYPES)
_TIER_TAGS = text(
    f"SELECT s.service_id, s.summary, {_STATUS} AS status, s.tags"  # noqa: S608
    " FROM service_search_fts(:match) AS f JOIN service_search AS s ON s.doc_id = f.rowid"
    " ORDER BY f.rowid LIMIT :limit"
).columns(**_ROW_TYPES)
_COUNT = text("SELECT count(*) FROM service_search_fts(:match)")
_EXISTS = text("SELECT 1 FROM service_search_fts(:match) LIMIT 1")


class FtsRunner:
    def __init__(self, session: Session, plan: Plan) -> None:
        self.session = session
        self.plan = plan
        self.total: int | None = None  # known once counted, or from a page of scored matches
        self.found: dict[str, tuple[str | None, str]] = {}  # the summaries read with the ids
        self.scores: dict[str, int] = {}
        tags = [
            "grams : (" + " OR ".join(f'"{t}"' for t in group) + ")" for group in plan.tag_groups
        ]
        self.match = _all([_any_variant(word) for word in plan.words] + tags)
        self.tiers = [self.match]
        if len(plan.words) == 1:
            # The key in a name, or a boost (a synonym in a name, a whole topic name), implies
            # the word matched: those tiers need only the tags besides.
            in_name, boosted = _in_name(plan.words[0]), _boosted(plan.words[0])
            self.tiers = [
                _all([in_name, *tags]),
                f"({_all([boosted, *tags])}) NOT ({in_name})",
                f"({self.match}) NOT (({in_name}) OR ({boosted}))",
            ]

    def ids(self, limit: int, offset: int) -> list[str]:
        if self.plan.tiered:
            return tiered_page(self._first_of_tier, len(self.tiers), limit, offset)
        return self._ranked(limit, offset)

    def count(self) -> int:
        if self.total is None:
            self.total = self.session.execute(_COUNT, {"match": self.match}).scalar() or 0
        return self.total

    def exists(self) -> bool:
        return self.session.execute(_EXISTS, {"match": self.match}).first() is not None

    def _first_of_tier(self, tier: int, limit: int) -> list[str]:
        params = {"match": self.tiers[tier], "limit": limit}
        return self._ids(self.session.execute(_TIER, params).all())

    def tier_count(self) -> int:
        return len(self.tiers)

    def tier_rows(self, tier: int, limit: int, hours: tuple[str, ...]) -> list[tuple[str, bool]]:
        """The first ``limit`` of a tier in index order, each with whether it has one of the
        ``hours`` tags (`results.night_ids`): the row's `tags`, the same tags FTS5 indexes,
        looked at here (SQLite's `instr` would count the characters of each)."""
        params = {"match": self.tiers[tier], "limit": limit}
        rows = self.session.execute(_TIER_TAGS, params).all()
        marks = [f" {hour} " for hour in hours]
        tagged = [any(mark in row.tags for mark in marks) for row in rows]
        return list(zip(self._ids(rows), tagged, strict=True))

    def first_of(
        self, tier: int, limit: int, hours: tuple[str, ...], candidates: bool
    ) -> list[str]:
        """The first ``limit`` of a tier in index order, with one of the ``hours`` tags or
        without (`results.night_ids`)."""
        tags = "grams : (" + " OR ".join(f'"{t}"' for t in hours) + ")"
        joint = "AND" if candidates else "NOT"
        params = {"match": f"({self.tiers[tier]}) {joint} ({tags})", "limit": limit}
        return self._ids(self.session.execute(_TIER, params).all())

    def _ids(self, rows: Sequence[Row[Any]]) -> list[str]:
        """The ids of rows read with their summaries, which are kept for the page."""
        self.found |= {row.service_id: (row.summary, row.status) for row in rows}
        return [row.service_id for row in rows]

    def _ranked(self, limit: int, offset: int) -> list[str]:
        """Several words: every match scored, through the names-only table, and counted."""
        params: dict[str, str | int] = {"match": self.match, "limit": limit, "offset": offset}
        levels = []
        for i, word in enumerate(self.plan.words):
            params[f"k{i}"] = _name_match(word)
            params[f"t{i}"] = _topics(word)
            second = f"f.rowid IN (SELECT rowid FROM service_search_fts(:t{i}))"  # noqa: S608
            synonyms = _name_synonyms(word)
            if synonyms:
                params[f"s{i}"] = synonyms
                second += f" OR f.rowid IN (SELECT rowid FROM service_search_fts_name(:s{i}))"  # noqa: S608
            levels.append(
                f"CASE WHEN f.rowid IN (SELECT rowid FROM service_search_fts_name(:k{i})) THEN 3"  # noqa: S608
                f" WHEN {second} THEN 2 ELSE 1 END"
            )
        statement = text(
            f"SELECT s.service_id, s.summary, {_STATUS} AS status, p.total, p.score"  # noqa: S608
            f" FROM (SELECT f.rowid AS doc_id, {' + '.join(levels) or '0'} AS score,"
            " count(*) OVER () AS total FROM service_search_fts(:match) AS f"
            " ORDER BY score DESC, f.rowid LIMIT :limit OFFSET :offset) AS p"
            " JOIN service_search AS s ON s.doc_id = p.doc_id ORDER BY p.score DESC, p.doc_id"
        ).columns(**_ROW_TYPES)
        rows = self.session.execute(statement, params).all()
        self.scores |= {row.service_id: row.score for row in rows}
        if rows:
            self.total = rows[0].total
        return self._ids(rows)


def _phrase(key: str) -> str:
    """FTS5 for exactly where the key occurs: a phrase of its bigrams, or a prefix (心*)."""
    return '"' + " ".join(bigrams(key)) + '"' if len(key) > 1 else f'"{key}" *'


def _any_variant(word: Word) -> str:
    """The word's groups' tokens, or the phrase of its key (a word without synonyms)."""
    groups = "grams : (" + " OR ".join(f'"{synonym_token(g)}"' for g in word.groups) + ")"
    if word.whole:  # one or two kana: whole words only (`plan.Word.whole`)
        return f"({groups}) OR ({_topics(word)})" if word.groups else _topics(word)
    if word.groups:
        return groups
    return " OR ".join(map(_phrase, shortest(word.variants)))


def _in_name(word: Word) -> str:
    return f"{{name_grams}} : ({_name_match(word)})"


def _name_match(word: Word) -> str:
    """The word in a name: its key's phrase; for a whole word, a token of its groups there."""
    if word.whole:
        return _name_synonyms(word) or f'"{NOWHERE}"'
    return _phrase(word.key)


def _topics(word: Word) -> str:
    return "grams : (" + " OR ".join(f'"{topic_token(v)}"' for v in word.variants) + ")"


def _name_synonyms(word: Word) -> str:
    """A synonym in the name: a token of the word's groups in `name_grams` (or none)."""
    return " OR ".join(f'"{synonym_token(group)}"' for group in word.groups)


def _boosted(word: Word) -> str:
    synonyms = _name_synonyms(word)
    if not synonyms:
        return _topics(word)
    return f"({_topics(word)}) OR ({{name_grams}} : ({synonyms}))"


def _all(clauses: list[str]) -> str:
    return " AND ".join(f"({clause})" for clause in clauses)
