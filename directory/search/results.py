"""Search the published directory: words in any spelling, synonyms, filters, local first.

A query's words are split on spaces; each word also stands for its synonyms
(`directory.search.synonyms`) and matches a service when it, or one of them, appears in the
service's normalised text (`directory.search.index`). Every word and every filter must match
(AND); the values of one filter are alternatives (OR). Ranking: `directory.search.plan`, and
within each relevance tier, the services open now first (`night_ids`): at 2:30 a.m. a line that
answers comes before a city office that does not, whatever the words. On a page in another
language, the national lines that speak it come first (`directory.search.leading`). A crisis
search (``SearchQuery.open_first``) puts every line open now first, whatever its tier: someone
who typed "suicide" at night is not helped first by a closed line with the word in its name.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import groupby

from sqlalchemy.orm import Session

from directory.search.leading import leading_ids, with_leading
from directory.search.loading import load_services
from directory.search.plan import TOKYO, Plan, build_plan, query_keys
from directory.search.query import FLAGS, MAX_PAGE, MAX_PER_PAGE, SearchQuery
from directory.search.runners import Runner, page, runners
from directory.search.summaries import ServiceSummary
from directory.search.synonyms import Synonyms, synonym_map
from directory.search.tokens import open_now_tags

# Rows with this hour's tags checked per tier for the night ranking (`night_ids`): enough for
# every page residents read, bounded for a directory of 100,000.
NIGHT_CHECKED = 400
# Matches of a query of several words ordered open-first within their score (`night_scored`):
# the first ten pages; such queries match few services, as every word must match.
NIGHT_SCORED = 100


@dataclass
class SearchResult:
    items: list[ServiceSummary]
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
        plan = build_plan(query, synonyms, now)
        runner = runner_for(plan)
        if query.open_now:
            items, total, exact = _open_now_page(session, runner, now, number, per_page)
        else:
            offset, summaries = (number - 1) * per_page, _Summaries(session, runner)
            leading = leading_ids(runner_for, plan, query.first_languages)

            def ranked(limit: int, start: int) -> tuple[list[str], int]:
                return _ranked_page(runner, plan, summaries, now, limit, start)

            if query.open_first:
                is_open = _open_check(summaries, now)
                ids, total = open_first_page(leading, ranked, is_open, per_page, offset)
            else:
                ids, total = with_leading(leading, ranked, per_page, offset)
            items, exact = summaries(ids), True
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


def _ranked_page(
    runner: Runner, plan: Plan, summaries: _Summaries, now: datetime, limit: int, offset: int
) -> tuple[list[str], int]:
    """A page of ids and the total: open now first within each relevance tier."""
    if not plan.tiered:
        return night_scored(runner, _open_check(summaries, now), limit, offset)
    ids = night_ids(runner, _open_check(summaries, now), _hour_tags(now), limit, offset)
    if len(ids) < limit and (ids or offset == 0):
        return ids, offset + len(ids)
    return ids, runner.count()


def open_first_page(
    leading: list[str],
    ranked: Callable[[int, int], tuple[list[str], int]],
    is_open: Callable[[list[str]], set[str]],
    limit: int,
    offset: int,
) -> tuple[list[str], int]:
    """A page of a crisis search: of the first `NIGHT_SCORED` matches in their usual order
    (`with_leading`), the open ones first, then the rest. Further pages keep the usual order,
    which holds the same services beyond those, so paging never repeats or skips one."""
    if offset + limit > NIGHT_SCORED:
        return with_leading(leading, ranked, limit, offset)
    ids, total = with_leading(leading, ranked, NIGHT_SCORED, 0)
    return _open_first(ids, is_open, offset + limit)[offset : offset + limit], total


def night_ids(
    runner: Runner,
    is_open: Callable[[list[str]], set[str]],
    hours: tuple[str, ...],
    limit: int,
    offset: int,
) -> list[str]:
    """``limit`` ids from ``offset`` of a tiered ranking with those open now first in each tier.

    Within a tier: the rows that may be open this hour (their ``hours`` tags, a superset), open
    ones first, then the rest of them, then the rows without the tags; each part in index order.
    Only the first `NIGHT_CHECKED` rows with the tags are checked (`open_at`, from the
    summaries read with the ids); beyond them a tier keeps index order, so a page is the same
    whichever page came before. A tier is read only as far as the page needs (where the
    database reads a tier in index order, with and without the tags in one query:
    `_TierRows`), and its rows are checked only until the page is full.
    """
    wanted, ranked = offset + limit, []
    for tier in range(runner.tier_count()):
        need = wanted - len(ranked)
        rows = _TierRows(runner, tier, hours, min((need + 10) * 3 // 2, NIGHT_CHECKED))
        opened, closed = [], []
        while len(opened) < need and len(opened) + len(closed) < NIGHT_CHECKED:
            checked = len(opened) + len(closed)
            step = min(need - len(opened), NIGHT_CHECKED - checked)
            batch = rows.tagged(checked + step)[checked:]
            open_ids = is_open(batch)
            opened += [i for i in batch if i in open_ids]
            closed += [i for i in batch if i not in open_ids]
            if len(batch) < step:  # every row with the tags checked
                break
        ranked += opened
        if len(ranked) >= wanted:
            break
        ranked += closed
        checked = len(opened) + len(closed)
        if checked >= NIGHT_CHECKED and len(ranked) < wanted:  # unchecked ones next
            ranked += rows.tagged(checked + wanted - len(ranked))[checked:]
        if len(ranked) < wanted:
            ranked += rows.untagged(wanted - len(ranked))
        if len(ranked) >= wanted:
            break
    return ranked[offset:wanted]


class _TierRows:
    """A tier's rows in index order, those with the hour tags and those without, read lazily.

    The first ``scan`` rows of the tier come in one query (`Runner.tier_rows`) and give the
    first of each part; a part is read further on its own (`Runner.first_of`) only when more of
    it is asked for than that scan held, and the scan did not reach the tier's end.
    """

    def __init__(self, runner: Runner, tier: int, hours: tuple[str, ...], scan: int) -> None:
        self.runner, self.tier, self.hours = runner, tier, hours
        rows = runner.tier_rows(tier, scan, hours)
        if rows is None:  # each part is read on its own
            self.parts: dict[bool, list[str]] = {True: [], False: []}
            self.complete = {True: False, False: False}
            return
        self.parts = {
            True: [service_id for service_id, tagged in rows if tagged],
            False: [service_id for service_id, tagged in rows if not tagged],
        }
        whole = len(rows) < scan  # the tier's end was reached: both parts are complete
        self.complete = {True: whole, False: whole}

    def tagged(self, limit: int) -> list[str]:
        """The first ``limit`` rows with the tags; read further a checked batch at a time."""
        read = min(max(limit + 10, 2 * len(self.parts[True])), NIGHT_CHECKED)
        return self._first(True, limit, read)

    def untagged(self, limit: int) -> list[str]:
        return self._first(False, limit, limit)

    def _first(self, tagged: bool, limit: int, read: int) -> list[str]:
        part = self.parts[tagged]
        if len(part) < limit and not self.complete[tagged]:
            read = max(read, limit)
            part = self.runner.first_of(self.tier, read, self.hours, tagged)
            self.parts[tagged], self.complete[tagged] = part, len(part) < read
        return part[:limit]


def night_scored(
    runner: Runner, is_open: Callable[[list[str]], set[str]], limit: int, offset: int
) -> tuple[list[str], int]:
    """A page of a plan of several words, open now first among the matches of equal score.

    The first `NIGHT_SCORED` matches (score, then index order) are read once and reordered
    within each score; further pages keep the database's order, which is the same set of ids
    beyond those, so paging never repeats or skips a service. A score's matches are checked
    only until the page is full.
    """
    if offset + limit > NIGHT_SCORED:
        return page(runner, limit, offset)
    ids = runner.ids(NIGHT_SCORED, 0)
    place = {service_id: n for n, service_id in enumerate(ids)}
    wanted, ordered = offset + limit, []
    ranked = sorted(ids, key=lambda i: (-runner.scores[i], place[i]))
    for _, equal in groupby(ranked, key=lambda i: runner.scores[i]):
        ordered += _open_first(list(equal), is_open, wanted - len(ordered))
        if len(ordered) >= wanted:
            break
    total = len(ids) if len(ids) < NIGHT_SCORED else runner.count()
    return ordered[offset:wanted], total


def _open_first(ids: list[str], is_open: Callable[[list[str]], set[str]], need: int) -> list[str]:
    """``ids`` with the open ones first, each part in order, as far as the first ``need`` go:
    checked in order only until ``need`` open ones are found."""
    opened: list[str] = []
    checked = 0
    while len(opened) < need and checked < len(ids):
        batch = ids[checked : checked + need - len(opened)]
        open_ids = is_open(batch)
        opened += [i for i in batch if i in open_ids]
        checked += len(batch)
    first = set(opened)
    return opened + [i for i in ids[:checked] if i not in first] + ids[checked:]


class _Summaries:
    """The summaries of one search's services, each loaded once: to check it, then to show it."""

    def __init__(self, session: Session, runner: Runner) -> None:
        self.session, self.runner = session, runner
        self.loaded: dict[str, ServiceSummary | None] = {}  # None: not published, or not indexed

    def __call__(self, ids: list[str]) -> list[ServiceSummary]:
        """The summaries of ``ids`` that `load_services` gives, in that order."""
        missing = [i for i in dict.fromkeys(ids) if i not in self.loaded]
        if missing:
            found = {s.id: s for s in load_services(self.session, missing, self.runner.found)}
            self.loaded |= {i: found.get(i) for i in missing}
        return [summary for i in ids if (summary := self.loaded[i]) is not None]


def _open_check(summaries: _Summaries, now: datetime) -> Callable[[list[str]], set[str]]:
    """Which of some ids are open at ``now`` (`directory.hours.open_at`, from their summaries)."""

    def is_open(ids: list[str]) -> set[str]:
        return {summary.id for summary in summaries(ids) if summary.hours_spec.is_open(now)}

    return is_open


def _hour_tags(now: datetime) -> tuple[str, ...]:
    local = now.astimezone(TOKYO)
    return open_now_tags(local.weekday(), local.hour)


def _open_now_page(
    session: Session, runner: Runner, now: datetime, number: int, per_page: int
) -> tuple[list[ServiceSummary], int, bool]:
    """The page of services open at ``now``, their total, and whether that total is exact.

    The index narrows to services whose weekly hours cover the current hour; `open_at` then
    decides, in rank order, only until the page is full. When candidates are left unchecked,
    the total is estimated from the share of checked ones that were open.
    """
    wanted = number * per_page
    found: list[ServiceSummary] = []
    checked = 0
    while len(found) < wanted:
        batch = wanted - len(found) + 10
        ids = runner.ids(batch, checked)
        summaries = load_services(session, ids, runner.found)
        found += [summary for summary in summaries if summary.hours_spec.is_open(now)]
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
