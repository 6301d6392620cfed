"""Synonym groups: each query word also stands for the other words of its groups.

Groups are data (`search_synonym`), seeded from ``directory/data/synonyms.toml`` (words that
mean the same) and ``directory/data/vocabulary.toml`` (the words people in distress type, and
the kind of help each should find), and extended by staff. No readings are worked out here:
that would load pykakasi (over 100 MB) into every web process. Kana spellings that should
lead to a group are terms of it (しにたい, じさつ). The index marks the rows that hold a
group's words with the group's token (`directory.search.synonym_tokens`), so a word with
synonyms is looked up as its groups' tokens.
A term of one or two kana (うつ, かね) leads queries to its groups but marks no row: it would be
found inside other words' readings (`directory.textnorm.is_short_kana`).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from directory.models import SearchSynonym
from directory.textnorm import is_short_kana, normalize

DATA = Path(__file__).resolve().parent.parent / "data"
SYNONYMS_FILE = DATA / "synonyms.toml"
VOCABULARY_FILE = DATA / "vocabulary.toml"
SEED_FILES = (SYNONYMS_FILE, VOCABULARY_FILE)


@dataclass(frozen=True)
class Expansion:
    """What a query word stands for: itself and the other terms of its groups (keys)."""

    variants: tuple[str, ...]  # the word first
    groups: tuple[int, ...]  # the ids of the groups it is a term of


Synonyms = dict[str, Expansion]
Group = tuple[int, tuple[str, ...]]  # a group's id and the keys of its terms
# Read by every search: through the table, which skips the ORM's work for mapped attributes,
# and as JSON text, decoded only when it changes (below).
_SYNONYMS = SearchSynonym.__table__
_GROUPS = select(_SYNONYMS.c.id, cast(_SYNONYMS.c.terms, Text)).order_by(_SYNONYMS.c.id)
Rows = tuple[tuple[int, str], ...]  # each group's id and its terms as JSON


def load_synonyms(session: Session, paths: Iterable[Path] = SEED_FILES) -> int:
    """Add the synonym groups of ``paths`` that the table lacks; returns how many were added.

    A group counts as present when a row already holds all its terms, so groups that staff
    extended are left alone and running this again adds nothing. The caller brings the index
    up to date (`refresh_synonym_tokens`), unless it reindexes everything next.
    """
    groups = []
    for path in paths:
        with path.open("rb") as handle:
            groups += tomllib.load(handle).get("group", [])
    present = [
        {normalize(term) for term in row.terms} for row in session.scalars(select(SearchSynonym))
    ]
    added = 0
    for group in groups:
        keys = {normalize(term) for term in group["terms"]}
        if not any(keys <= row for row in present):
            session.add(SearchSynonym(terms=list(group["terms"]), note=group.get("note", "")))
            present.append(keys)
            added += 1
    session.flush()
    return added


def group_keys(session: Session) -> list[Group]:
    """Every group: its id and the distinct keys of its terms that mark rows (not short kana)."""
    return list(_marking(_rows(session)))


def synonym_map(session: Session) -> Synonyms:
    """Each synonym's key → the keys of every group it belongs to, and those groups."""
    return _expanded(_rows(session))


def _rows(session: Session) -> Rows:
    return tuple((group_id, terms) for group_id, terms in session.execute(_GROUPS))


@lru_cache(maxsize=8)
def _keyed(rows: Rows) -> tuple[Group, ...]:
    groups = []
    for group_id, document in rows:
        terms = [term for term in json.loads(document) if isinstance(term, str)]
        groups.append((group_id, tuple(dict.fromkeys(k for k in map(normalize, terms) if k))))
    return tuple(groups)


@lru_cache(maxsize=8)
def _marking(rows: Rows) -> tuple[Group, ...]:
    return tuple(
        (group_id, tuple(key for key in keys if not is_short_kana(key)))
        for group_id, keys in _keyed(rows)
    )


@lru_cache(maxsize=8)
def _expanded(rows: Rows) -> Synonyms:
    """The synonym map of these groups: read per call, worked out once while they stay."""
    variants: dict[str, dict[str, None]] = {}
    groups: dict[str, dict[int, None]] = {}
    for group_id, keys in _keyed(rows):
        for key in keys:
            variants.setdefault(key, {key: None}).update(dict.fromkeys(keys))
            groups.setdefault(key, {})[group_id] = None
    return {key: Expansion(tuple(variants[key]), tuple(groups[key])) for key in variants}
