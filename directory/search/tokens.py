"""The tokens of the search index: character bigrams, filter tags and whole-topic tokens.

Japanese has no spaces and many words that matter are two characters long (借金, 学校), so a
text is indexed as the overlapping bigrams of its matching key, plus its last character, so that
one character can be a prefix query. A synonym group is one token too (``syn_4``), on the rows
whose texts hold any of its terms (`directory.search.synonym_tokens`). Filters are tags
(``topic_debt``, ``channel_line``, ``open_d1h9`` ...). Both are lower-case ASCII, digits and
underscores, so that they pass every tokenizer.
"""

from __future__ import annotations

import hashlib
import re

from directory.textnorm import bigrams, normalize

SEPARATOR = "_"  # between texts in a token sequence, so that no phrase spans two of them
WHOLE_MUNICIPALITY = "district_all"  # a municipal service not limited to some districts
NOWHERE = "x_nowhere"  # a token no row holds: a condition that is never true
_TAG_UNSAFE = re.compile(r"[^a-z0-9]+")


def key_tokens(key: str) -> list[str]:
    """A key's bigrams in order, then its last character and the separator.

    Every character of the key then starts a token, so a one-character query is a prefix
    query on the index (心*) instead of a scan of every text.
    """
    return [*bigrams(key), key[-1] + SEPARATOR]


def tag(kind: str, value: str) -> str:
    """A filter tag token: lower-case ASCII letters, digits and underscores only."""
    return f"{kind}_{_TAG_UNSAFE.sub('_', value.lower()).strip('_')}"


def district_tag(name: str) -> str:
    """The tag of one of the municipality's districts (峰山町...): a hash of its normalised name."""
    digest = hashlib.blake2b(normalize(name).encode(), digest_size=6).hexdigest()
    return f"district_{digest}"


def topic_token(key: str) -> str:
    """The token of a whole topic name (a matching key), for ranking exact topic matches."""
    return f"t_{key}"


def name_token(token: str) -> str:
    """A token of the name, again, among all the row's tokens (PostgreSQL ranks with them).

    Tags and whole-topic tokens never start with ``n_``; a key's tokens are two characters.
    """
    return f"n_{token}"


def synonym_token(group_id: int) -> str:
    """The token of a synonym group, on rows whose texts hold one of its terms."""
    return f"syn_{group_id}"


def open_slot(weekday: int, hour: int) -> str:
    """The tag of one hour of the week (Monday = 0), in Tokyo time."""
    return f"open_d{weekday}h{hour}"


def open_now_tags(weekday: int, hour: int) -> tuple[str, ...]:
    """The tags of which one marks a service that may be open in this hour of the week."""
    return (open_slot(weekday, hour), f"open_d{weekday}all", "open_always", "open_special")
