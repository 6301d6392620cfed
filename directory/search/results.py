"""Search the published directory: words in any spelling, synonyms, filters, local first.

A query's words are split on spaces; each word also stands for its synonyms
(`directory.search.synonyms`) and matches a service when it, or one of them, appears in the
service's normalised text (`directory.search.index`). Every word and every filter must match
(AND); the values of one filter are alternatives (OR). Ranking: `directory.search.plan`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.orm import Session

from directory.hours import open_at
from directory.search.cards import ServiceCard
from directory.search.loading import load_services
from directory.search.plan import Plan, build_plan, query_keys
from directory.search.query import FLAGS, MAX_PAGE, MAX_PER_PAGE, SearchQuery
from directory.search.runners import Runner, page, runners
from directory.search.synonyms import Synonyms, synonym_map


@dataclass
class SearchResult:
    items: list[ServiceCard]
    total: int
    page: int
    pages: int
    query: SearchQuery
    relaxed: list[str] = field(default_factory=list)  # filters whose removal would give results
    total_exact: bool = True  # False when open_now left candidates unchecked: total estimated


def search_services(session: Session, query: SearchQuery, *, now: datetime) -> SearchResult:
    """One page of published services matching ``query``, best first.

    ``now`` (timezone-aware) decides "open now", through `directory.hours.open_at`.
    """
    number = min(max(query.page, 1), MAX_PAGE)
    per_page = min(max(query.per_page, 1), MAX_PER_PAGE)
    synonyms = synonym_map(session) if query_keys(query.text) else {}
    with runners(session) as runner_for:
        runner = runner_for(build_plan(query, synonyms, now))
        if query.open_now:
            items, total, exact = _open_now_page(session, runner, now, number, per_page)
        else:
            ids, total = page(runner, per_page, (number - 1) * per_page)
            items, exact = load_services(session, ids, runner.found), True
        relaxed = []
        if total == 0 and query.filters:
            relaxed = _relaxed(session, runner_for, query, synonyms, now)
    return SearchResult(
        items=items,
        total=total,
        page=number,
        pages=min(math.ceil(total / per_page), MAX_PAGE),
        query=query,
        relaxed=relaxed,
        total_exact=exact,
    )


def _open_now_page(
    session: Session, runner: Runner, now: datetime, number: int, per_page: int
) -> tuple[list[ServiceCard], int, bool]:
    """The page of services open at ``now``, their total, and whether that total is exact.

    The index narrows to services whose weekly hours cover the current hour; `open_at` then
    decides, in rank order, only until the page is full. When candidates are left unchecked,
    the total is estimated from the share of checked ones that were open.
    """
    wanted = number * per_page
    found: list[ServiceCard] = []
    checked = 0
    while len(found) < wanted:
        batch = wanted - len(found) + 10
        ids = runner.ids(batch, checked)
        cards = load_services(session, ids, runner.found)
        found += [service for service in cards if open_at(service, now)]
        checked += len(ids)
        if len(ids) < batch:  # every candidate checked
            return found[wanted - per_page : wanted], len(found), True
    candidates = runner.count()
    if checked >= candidates:
        return found[wanted - per_page : wanted], len(found), True
    estimate = len(found) + round((candidates - checked) * len(found) / checked)
    return found[wanted - per_page : wanted], estimate, False


def _relaxed(
    session: Session,
    runner_for: Callable[[Plan], Runner],
    query: SearchQuery,
    synonyms: Synonyms,
    now: datetime,
) -> list[str]:
    """The filters whose removal alone would give results."""
    relaxed = []
    for name in query.filters:
        looser = replace(query, **{name: False if name in FLAGS else ()})
        runner = runner_for(build_plan(looser, synonyms, now))
        if looser.open_now:
            found = bool(_open_now_page(session, runner, now, 1, 1)[0])
        else:
            found = runner.exists()
        if found:
            relaxed.append(name)
    return relaxed
