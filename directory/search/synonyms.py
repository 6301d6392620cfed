"""Synonym groups: each query word also stands for the other words of its groups.

Groups are data (`search_synonym`), seeded from ``directory/data/synonyms.toml`` and extended
by staff. No readings are worked out here: that would load pykakasi (over 100 MB) into every
web process. Kana spellings that should lead to a group are terms of it (しにたい, じさつ).
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.models import SearchSynonym
from directory.textnorm import normalize

SYNONYMS_FILE = Path(__file__).resolve().parent.parent / "data" / "synonyms.toml"

Synonyms = dict[str, tuple[str, ...]]
# Read by every search: through the table, which skips the ORM's work for mapped attributes.
_SYNONYMS = SearchSynonym.__table__
_TERMS = select(_SYNONYMS.c.terms).order_by(_SYNONYMS.c.id)


def load_synonyms(session: Session, path: Path = SYNONYMS_FILE) -> int:
    """Add the synonym groups of ``path`` that the table lacks; returns how many were added.

    A group counts as present when a row already holds all its terms, so groups that staff
    extended are left alone and running this again adds nothing.
    """
    with path.open("rb") as handle:
        groups = tomllib.load(handle).get("group", [])
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


def synonym_map(session: Session) -> Synonyms:
    """Each synonym's key → the keys of every group it belongs to, the word itself first."""
    rows = session.execute(_TERMS).scalars()
    return _expanded(tuple(tuple(t for t in terms if isinstance(t, str)) for terms in rows))


@lru_cache(maxsize=8)
def _expanded(groups: tuple[tuple[str, ...], ...]) -> Synonyms:
    """The synonym map of these groups: read per call, worked out once while they stay."""
    expanded: dict[str, dict[str, None]] = {}
    for terms in groups:
        group = dict.fromkeys(key for key in map(normalize, terms) if key)
        for key in group:
            expanded.setdefault(key, {}).update(group)
    return {key: tuple(group) for key, group in expanded.items()}
