"""Synonym groups as index tokens: a word with synonyms is one token to look up.

A query word that is a term of a synonym group stands for every term of the group
(`directory.search.synonyms`). Looking each term up was what made such words the slowest
queries (死にたい has thirteen alternatives, each a few bigrams). Instead, an index row carries
the token of a group (`tokens.synonym_token`) when its texts hold any of the group's terms, and
among the name's tokens too when its name holds one; a word with synonyms is looked up as its
groups' tokens. It finds what looking up every term found: a term's key as a substring of
the row's keys.

The tokens depend on the groups as well as on the service, so they are kept up to date from
both sides: `reindex` works them out for the rows it writes, and `refresh_synonym_tokens` for
the rows a change of groups concerns (staff add or remove whole groups; a group's terms never
change). It reads the rows' stored texts, so no reading is worked out again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from directory.search.fts_tables import drop_fts_triggers, ensure_fts
from directory.search.index import ServiceSearchText
from directory.search.reindex import BATCH
from directory.search.rows import held, token_columns
from directory.search.synonyms import Group, group_keys
from directory.search.tokens import synonym_token

_INDEX = ServiceSearchText.__table__


def refresh_synonym_tokens(session: Session, changed: Iterable[int] | None = None) -> int:
    """Rewrite the rows whose tokens no longer match the groups; returns how many.

    ``changed``: the ids of the groups just added or removed, whose tokens alone are checked;
    None checks every group, and gives tokens to rows indexed before they existed.
    """
    session.flush()
    groups = group_keys(session)
    stale = _stale(session, groups, None if changed is None else set(changed))
    dialect = session.get_bind().dialect.name
    sqlite = dialect == "sqlite"
    if sqlite and len(stale) > BATCH:  # one FTS5 rebuild instead of upkeep row by row
        drop_fts_triggers(session.connection())
    for start in range(0, len(stale), BATCH):
        rows = session.execute(
            select(_INDEX.c.service_id, _INDEX.c.name_text, _INDEX.c.topic_text)
            .add_columns(_INDEX.c.body_text, _INDEX.c.tags)
            .where(_INDEX.c.service_id.in_(stale[start : start + BATCH]))
        )
        values = [
            {"service_id": row.service_id}
            | token_columns(
                row.name_text.split(),
                row.topic_text.split(),
                row.body_text.split(),
                row.tags.split(),
                dialect,
                groups,
            )
            for row in rows
        ]
        session.execute(update(ServiceSearchText), values)  # by primary key, row by row
    if sqlite and stale:
        ensure_fts(session.connection())
    return len(stale)


def _stale(session: Session, groups: Sequence[Group], changed: set[int] | None) -> list[str]:
    """The ids of the rows whose tokens of the groups checked differ from their texts'."""
    checked = [g for g in groups if changed is None or g[0] in changed]
    tokens = None if changed is None else {synonym_token(i) for i in changed}
    rows = session.execute(
        select(_INDEX.c.service_id, _INDEX.c.synonym_tokens, _INDEX.c.name_text)
        .add_columns(_INDEX.c.topic_text, _INDEX.c.body_text)
        .order_by(_INDEX.c.service_id)
    )
    stale = []
    for row in rows:
        if row.synonym_tokens is None:
            stale.append(row.service_id)
            continue
        present = {t for t in row.synonym_tokens.split() if tokens is None or t in tokens}
        expected = held(checked, row.name_text + row.topic_text + row.body_text)
        if present != set(expected):
            stale.append(row.service_id)
    return stale
