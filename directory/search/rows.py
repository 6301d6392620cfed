"""An index row from a document: its texts padded, its tokens laid out for each database."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from directory.search.index import doc_id_for
from directory.search.synonyms import Group
from directory.search.tokens import (
    SEPARATOR,
    key_tokens,
    name_token,
    synonym_token,
    topic_token,
)


def index_row(document: dict[str, Any], dialect: str, groups: Sequence[Group]) -> dict[str, Any]:
    """The table row of a document (`directory.search.documents`), without its summary."""
    name, topic, body, tags = (document[k] for k in ("name", "topic", "body", "tags"))
    area, sort_order = document["order"]
    return {
        "service_id": document["id"],
        "doc_id": doc_id_for(area, sort_order, document["id"]),
        "_order": document["order"],
        "name_text": padded(name),
        "topic_text": padded(topic),
        "body_text": padded(body),
        "tags": padded(sorted(tags)),
        **token_columns(name, topic, body, tags, dialect, groups),
    }


def token_columns(
    name: Sequence[str],
    topic: Sequence[str],
    body: Sequence[str],
    tags: Iterable[str],
    dialect: str,
    groups: Sequence[Group],
) -> dict[str, str]:
    """`name_grams`, `grams` and `synonym_tokens` of a row, from its keys and tags."""
    topic_tokens = [topic_token(key) for key in topic]
    in_name = held(groups, padded(name))
    synonyms = held(groups, padded((*name, *topic, *body)))
    if dialect == "postgresql":
        # One tsvector for everything (see `directory.search.postgres`): the name's tokens are
        # there twice, once marked as the name's. `name_grams` is not read.
        tokens = {g for key in (*name, *topic, *body) for g in key_tokens(key)}
        named = {name_token(g) for key in name for g in key_tokens(key)}
        named |= {name_token(token) for token in in_name}
        everything = tokens | named | set(tags) | set(topic_tokens) | set(synonyms)
        grams, name_grams = " ".join(sorted(everything)), ""
    else:
        name_grams = " ".join([_sequence(name), *in_name])
        grams = " ".join([_sequence((*topic, *body)), *sorted(tags), *topic_tokens, *synonyms])
    return {"name_grams": name_grams, "grams": grams, "synonym_tokens": padded(synonyms)}


def held(groups: Sequence[Group], text: str) -> list[str]:
    """The tokens of the groups with a term in ``text`` (keys, space-separated)."""
    return [synonym_token(i) for i, keys in groups if any(key in text for key in keys)]


def padded(keys: Iterable[str]) -> str:
    joined = " ".join(keys)
    return f" {joined} " if joined else " "


def _sequence(keys: Iterable[str]) -> str:
    """The keys' tokens in order, keys apart, so an FTS5 phrase matches exactly a substring."""
    return f" {SEPARATOR} ".join(" ".join(key_tokens(key)) for key in keys)
