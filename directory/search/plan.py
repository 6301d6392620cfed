"""From a query to what must match and how matches rank, whatever the database.

Every word (one of its variants: the word or a synonym) and one tag of every tag group must
match; a word with synonyms matches through its groups' tokens (`search.synonym_tokens`). A
word scores 3 when its key is in the name, 2 when a synonym is in the name or a variant is a
whole topic name, else 1; the scores of the words add up. Equal scores keep index
order (`directory.search.index.doc_id_for`: local first, then the staff's sort order).

A word of one or two kana (うつ) is matched as a whole word only: through its groups, whose
terms of three characters or more mark the rows, or as a whole topic name, never as characters
inside a longer word or reading (うつ inside きようつう, 共通). It scores 3 when a word of its
groups is in the name, 2 for a whole topic name (`Word.whole`).

Before that, the words are read as a resident types them: consecutive words that together are
a vocabulary term are one word (can't sleep), and words that carry no meaning of their own
(English I, to, my; kana such as ない in お金 ない) are left out when others remain.

With at most one word, the ranking is a few tiers (3, 2, 1), each read in index order and only
as far as the page needs: the inverted indexes answer that without scoring every match. With
several words every match is scored and sorted; requiring all of them keeps those sets small.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from directory.models import AREAS
from directory.search.query import MAX_TEXT, SearchQuery
from directory.search.synonyms import Synonyms
from directory.search.tokens import WHOLE_MUNICIPALITY, district_tag, open_now_tags, tag
from directory.textnorm import is_short_kana, words

TOKYO = ZoneInfo("Asia/Tokyo")  # opening hours are Japanese wall-clock time
MAX_WORDS = 8
# English words that say nothing of what help is needed: "I feel so lonely" is "lonely". Left
# out only when another word remains, so that a query of them alone still asks something.
_STOP = (
    "a am an and any anyone are be can cannot cant do dont feel feeling for get have help i im"
    " ive in is it me my need of on or please really so someone the to very want with"
)
STOP_WORDS = frozenset(_STOP.split())


@dataclass(frozen=True)
class Word:
    """One query word: its matching key first, then its synonyms' keys, and their groups.

    A word with ``groups`` matches where a row has one of their tokens (every row whose texts
    hold a term of the group has it); one without, where its key matches. A ``whole`` word (one
    or two kana) matches only through its groups' tokens or as a whole topic name, and is in a
    name only as a word of its groups (`directory.textnorm.is_short_kana`).
    """

    key: str
    variants: tuple[str, ...]
    groups: tuple[int, ...] = ()
    whole: bool = False

    @property
    def synonyms(self) -> tuple[str, ...]:
        return self.variants[1:]

    @property
    def findable(self) -> tuple[str, ...]:
        """The variants found as characters in a text: all but those of one or two kana."""
        return tuple(v for v in self.variants if not is_short_kana(v))


@dataclass(frozen=True)
class Plan:
    """Every word (one of its variants) and one tag of every tag group must match."""

    words: tuple[Word, ...] = ()
    tag_groups: tuple[tuple[str, ...], ...] = ()

    @property
    def tiered(self) -> bool:
        """Whether the ranking is tiers read in index order (see the module docstring)."""
        return len(self.words) <= 1


def query_keys(text: str) -> list[str]:
    """The distinct matching keys of a query's words, at most eight."""
    return list(dict.fromkeys(words(text[:MAX_TEXT])))[:MAX_WORDS]


def build_plan(query: SearchQuery, synonyms: Synonyms, now: datetime) -> Plan:
    """The plan of ``query``; ``now`` (timezone-aware) picks the open-now hour tags."""
    plan_words = tuple(
        _word(key, synonyms) for key in typed_words(query_keys(query.text), synonyms)
    )
    groups = [
        tuple(tag(kind, value) for value in values)
        for kind, values in (
            ("topic", query.topics),
            ("channel", query.channels),
            ("lang", query.languages),
            ("audience", query.audiences),
        )
        if values
    ]
    if query.areas:
        groups.append(_area_tags(query.areas))
    if query.free:
        groups.append(("cost_free",))
    if query.anonymous:
        groups.append(("anonymous_yes",))
    if query.open_now:
        local = now.astimezone(TOKYO)
        groups.append(open_now_tags(local.weekday(), local.hour))
    return Plan(plan_words, tuple(groups))


def typed_words(keys: list[str], synonyms: Synonyms) -> list[str]:
    """The words meant: runs of keys that join into a vocabulary term are one (can't sleep →
    cantsleep), the longest first; words that say nothing are left out if others remain."""
    joined: list[str] = []
    start = 0
    while start < len(keys):
        end = next(
            (e for e in range(len(keys), start + 1, -1) if "".join(keys[start:e]) in synonyms),
            start + 1,
        )
        joined.append("".join(keys[start:end]))
        start = end
    meaningful = [key for key in joined if not _says_nothing(key, synonyms)]
    known = [key for key in joined if key in synonyms]  # "I need help": help
    return list(dict.fromkeys(meaningful or known or joined))


def _says_nothing(key: str, synonyms: Synonyms) -> bool:
    """An English function word, or one or two kana that lead nowhere (ない in お金 ない)."""
    return key in STOP_WORDS or (is_short_kana(key) and key not in synonyms)


def _word(key: str, synonyms: Synonyms) -> Word:
    expansion = synonyms.get(key)
    whole = is_short_kana(key)
    if expansion is None:
        return Word(key, (key,), whole=whole)
    return Word(key, expansion.variants, expansion.groups, whole=whole)


def _area_tags(areas: tuple[str, ...]) -> tuple[str, ...]:
    """Services of any of the areas; a district takes the city's services that serve it."""
    tags: list[str] = []
    for area in areas:
        if area in AREAS:
            tags.append(tag("area", area))
        else:
            tags += [district_tag(area), WHOLE_MUNICIPALITY]
    return tuple(dict.fromkeys(tags))


def shortest(variants: Iterable[str]) -> list[str]:
    """The variants that contain no other: any text holding a longer one holds a shorter one."""
    variants = list(variants)
    return [v for v in variants if not any(o != v and o in v for o in variants)]


def tiered_page(
    first_of_tier: Callable[[int, int], list[str]], tiers: int, limit: int, offset: int
) -> list[str]:
    """``limit`` ids from ``offset`` of a ranking made of tiers, best tier first.

    ``first_of_tier(tier, n)`` gives the first ``n`` ids of a tier in index order; a tier is
    read only when the ones above it hold fewer than ``offset + limit`` matches.
    """
    found: list[str] = []
    skip = offset
    for tier in range(tiers):
        ids = first_of_tier(tier, skip + limit - len(found))
        found += ids[skip:]
        skip = max(skip - len(ids), 0)
        if len(found) >= limit:
            break
    return found
