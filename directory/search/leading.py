"""On a page in another language, the national lines that speak it come first.

Someone reading the English pages is best served first by the lines they can use in English:
the national lines with that language among their HSDS language records (よりそいホットライン,
DV相談＋, 法テラス...). Among the matches of a search, those lines (at most `MAX_LEADING`, in
their usual order) lead the list; every other match follows in its usual order (relevance, open
now first, local first), without them. The total is the same: they are matches too.
"""

from __future__ import annotations

from collections.abc import Callable

from directory.search.plan import Plan
from directory.search.runners import Runner
from directory.search.tokens import tag

MAX_LEADING = 10

Ranked = Callable[[int, int], tuple[list[str], int]]  # (limit, offset) -> ids, total


def leading_ids(
    runner_for: Callable[[Plan], Runner], plan: Plan, languages: tuple[str, ...]
) -> list[str]:
    """The national matches of ``plan`` that record one of ``languages``, best first."""
    if not languages:
        return []
    groups = (*plan.tag_groups, tuple(tag("lang", code) for code in languages))
    groups += ((tag("area", "national"),),)
    return runner_for(Plan(plan.words, groups)).ids(MAX_LEADING, 0)


def with_leading(
    leading: list[str], ranked: Ranked, limit: int, offset: int
) -> tuple[list[str], int]:
    """A page of ``leading`` then the other matches of ``ranked``, and the total.

    The others are read from the start, as far as the page needs, and the leading ones taken
    out; so each page follows on from the one before, whichever was read first.
    """
    head = leading[offset : offset + limit]
    skip = max(offset - len(leading), 0)
    need = limit - len(head)
    ids, total = ranked(skip + need + len(leading), 0)
    first = set(leading)
    rest = [service_id for service_id in ids if service_id not in first]
    return head + rest[skip : skip + need], total
