"""Search the published directory: words in any spelling, synonyms, filters, local first.

A query's words are split on spaces; each word also stands for its synonyms (`search_synonym`)
and matches a service when it, or one of them, appears in the service's normalised text
(`directory.search_index`). Every word and every filter must match (AND); the values of one
filter are alternatives (OR). Ranking: matches in the name or reading, then a whole topic name,
then elsewhere; among equals, municipal services before prefectural before national, then the
staff's ``sort_order``.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, case, cast, func, literal, or_, select, text
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session, joinedload, selectinload

from directory.models import AREAS, AUDIENCES, CHANNEL_KINDS, SearchSynonym, Service
from directory.search_index import (
    WHOLE_MUNICIPALITY,
    ServiceSearchText,
    district_tag,
    has_fts,
    open_now_tags,
    tag,
    topic_token,
)
from directory.textnorm import bigrams, normalize, strip_controls, words
from directory.topics import TOPICS

SYNONYMS_FILE = Path(__file__).resolve().parent / "data" / "synonyms.toml"
TOKYO = ZoneInfo("Asia/Tokyo")  # opening hours are Japanese wall-clock time
MAX_TEXT = 200
MAX_WORDS = 8
MAX_VALUES = 20
MAX_PAGE = 1000
MAX_PER_PAGE = 50
FILTERS = ("topics", "channels", "areas", "open_now", "free", "anonymous", "languages", "audiences")
_TRUE = frozenset({"1", "true", "on", "yes"})
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    topics: tuple[str, ...] = ()  # taxonomy term codes
    channels: tuple[str, ...] = ()  # contact channel kinds
    areas: tuple[str, ...] = ()  # municipality / prefecture / national, or a district
    open_now: bool = False
    free: bool = False
    anonymous: bool = False
    languages: tuple[str, ...] = ()  # ISO 639 codes
    audiences: tuple[str, ...] = ()
    page: int = 1
    per_page: int = 20

    @classmethod
    def from_args(
        cls,
        args: Mapping[str, Any],
        *,
        topic_codes: Iterable[str] | None = None,
        districts: Iterable[str] = (),
    ) -> SearchQuery:
        """A query from request arguments (``q`` or ``text``, then the field names).

        Never raises: unknown codes are dropped, text is cleaned and cut to 200 characters,
        numbers are clamped. Several values come as repeated keys or comma-separated. An area
        may also be one of the municipality's ``districts`` (峰山町...).
        """
        known_topics = frozenset(
            (topic.slug for topic in TOPICS) if topic_codes is None else topic_codes
        )
        raw = _text(args, "q") or _text(args, "text")
        return cls(
            text=strip_controls(raw)[:MAX_TEXT].strip(),
            topics=_known(_values(args, "topics"), known_topics),
            channels=_known(_values(args, "channels"), CHANNEL_KINDS),
            areas=_known(_values(args, "areas"), (*AREAS, *districts)),
            open_now=_flag(args, "open_now"),
            free=_flag(args, "free"),
            anonymous=_flag(args, "anonymous"),
            languages=tuple(
                dict.fromkeys(v for v in _values(args, "languages") if _LANGUAGE.match(v))
            )[:MAX_VALUES],
            audiences=_known(_values(args, "audiences"), AUDIENCES),
            page=_number(args, "page", 1, 1, MAX_PAGE),
            per_page=_number(args, "per_page", 20, 1, MAX_PER_PAGE),
        )

    @property
    def filters(self) -> list[str]:
        """The names of the filters that are set."""
        return [name for name in FILTERS if getattr(self, name)]


@dataclass
class SearchResult:
    items: list[Service]
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
    page = min(max(query.page, 1), MAX_PAGE)
    per_page = min(max(query.per_page, 1), MAX_PER_PAGE)
    synonyms = synonym_map(session)
    plan = _plan(query, synonyms, now)
    with _index_scans(session):
        if query.open_now:
            items, total, exact = _open_now_page(session, plan, now, page, per_page)
        else:
            ids, total = _runner(session, plan).page(per_page, (page - 1) * per_page)
            items, exact = _load(session, ids), True
        relaxed = _relaxed(session, query, synonyms, now) if total == 0 and query.filters else []
    return SearchResult(
        items=items,
        total=total,
        page=page,
        pages=min(math.ceil(total / per_page), MAX_PAGE),
        query=query,
        relaxed=relaxed,
        total_exact=exact,
    )


@contextmanager
def _index_scans(session: Session) -> Iterator[None]:
    """On PostgreSQL, keep the planner off sequential scans of the index table meanwhile.

    Its cost model does not count unpacking each row's large `grams` (kept apart, in TOAST):
    when many services match, it picks a scan ten times slower than the GIN index. The setting
    lasts to the end of the transaction (SET LOCAL) or until restored here.
    """
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    session.execute(text("SET LOCAL enable_seqscan = off"))
    yield
    session.execute(text("SET LOCAL enable_seqscan TO DEFAULT"))


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


def synonym_map(session: Session) -> dict[str, tuple[str, ...]]:
    """Each synonym's key → the keys of every group it belongs to, the word itself first.

    No readings are worked out here: that would load pykakasi (over 100 MB) into every web
    process. Kana spellings that should lead to a group are terms of it (しにたい, じさつ).
    """
    rows = session.execute(select(SearchSynonym.terms).order_by(SearchSynonym.id)).scalars()
    return _expanded(tuple(tuple(t for t in terms if isinstance(t, str)) for terms in rows))


@lru_cache(maxsize=8)
def _expanded(groups: tuple[tuple[str, ...], ...]) -> dict[str, tuple[str, ...]]:
    """The synonym map of these groups: read per call, worked out once while they stay."""
    expanded: dict[str, dict[str, None]] = {}
    for terms in groups:
        group = dict.fromkeys(key for key in map(normalize, terms) if key)
        for key in group:
            expanded.setdefault(key, {}).update(group)
    return {key: tuple(group) for key, group in expanded.items()}


def _plan(query: SearchQuery, synonyms: dict[str, tuple[str, ...]], now: datetime) -> Plan:
    keys = list(dict.fromkeys(words(query.text[:MAX_TEXT])))[:MAX_WORDS]
    plan_words = tuple(
        Word(key, tuple(dict.fromkeys((key, *synonyms.get(key, ()))))) for key in keys
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


def _area_tags(areas: tuple[str, ...]) -> tuple[str, ...]:
    """Services of any of the areas; a district takes the city's services that serve it."""
    tags: list[str] = []
    for area in areas:
        if area in AREAS:
            tags.append(tag("area", area))
        else:
            tags += [district_tag(area), WHOLE_MUNICIPALITY]
    return tuple(dict.fromkeys(tags))


def _open_now_page(
    session: Session, plan: Plan, now: datetime, page: int, per_page: int
) -> tuple[list[Service], int, bool]:
    """The page of services open at ``now``, their total, and whether that total is exact.

    The index narrows to services whose weekly hours cover the current hour; `open_at` then
    decides, in rank order, only until the page is full. When candidates are left unchecked,
    the total is estimated from the share of checked ones that were open.
    """
    from directory.hours import open_at

    runner = _runner(session, plan)
    wanted = page * per_page
    found: list[Service] = []
    checked = candidates = 0
    while len(found) < wanted:
        ids, candidates = runner.page(wanted - len(found) + 10, checked)
        if not ids:
            break
        found += [service for service in _load(session, ids) if open_at(service, now)]
        checked += len(ids)
    if checked >= candidates:
        return found[wanted - per_page : wanted], len(found), True
    estimate = len(found) + round((candidates - checked) * len(found) / checked)
    return found[wanted - per_page : wanted], estimate, False


def _relaxed(
    session: Session, query: SearchQuery, synonyms: dict[str, tuple[str, ...]], now: datetime
) -> list[str]:
    relaxed = []
    for name in query.filters:
        looser = replace(
            query, **{name: False if name in ("open_now", "free", "anonymous") else ()}
        )
        plan = _plan(looser, synonyms, now)
        if looser.open_now:
            found = bool(_open_now_page(session, plan, now, 1, 1)[0])
        else:
            found = _runner(session, plan).exists()
        if found:
            relaxed.append(name)
    return relaxed


def _load(session: Session, ids: list[str]) -> list[Service]:
    """The services of ``ids``, in that order, with what a result list shows; published only."""
    if not ids:
        return []
    # Status is checked in Python, not in SQL: given both, SQLite may walk the status index
    # (nearly every row) instead of looking the ids up.
    statement = (
        select(Service)
        .where(Service.id.in_(ids))
        .options(
            joinedload(Service.organization),
            joinedload(Service.channels),
            selectinload(Service.topics),
            selectinload(Service.schedules),  # every listing shows its state now
        )
    )
    by_id = {s.id: s for s in session.scalars(statement).unique() if s.status == "published"}
    return [by_id[i] for i in ids if i in by_id]


def _raw(args: Mapping[str, Any], key: str) -> list[Any]:
    if hasattr(args, "getlist"):
        return list(args.getlist(key))
    value = args.get(key)
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _text(args: Mapping[str, Any], key: str) -> str:
    first = next((item for item in _raw(args, key) if isinstance(item, str)), "")
    return first[: MAX_TEXT * 4]


def _values(args: Mapping[str, Any], key: str) -> list[str]:
    raw = _raw(args, key)
    values = []
    for item in raw[:MAX_VALUES]:
        if isinstance(item, str):
            values += [part.strip().lower() for part in item[:1000].split(",") if part.strip()]
    return values


def _known(values: list[str], known: Iterable[str]) -> tuple[str, ...]:
    allowed = frozenset(known)
    return tuple(dict.fromkeys(v for v in values if v in allowed))[:MAX_VALUES]


def _flag(args: Mapping[str, Any], key: str) -> bool:
    values = _values(args, key)
    return bool(values) and values[0] in _TRUE


def _number(args: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
    values = _values(args, key)
    try:
        number = int(values[0][:10]) if values else default
    except ValueError:
        number = default
    return min(max(number, low), high)


# ---- running a plan -------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    """One query word: its matching key first, then its synonyms' keys."""

    key: str
    variants: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    """Every word (one of its variants) and one tag of every tag group must match."""

    words: tuple[Word, ...] = ()
    tag_groups: tuple[tuple[str, ...], ...] = ()


def _runner(session: Session, plan: Plan) -> _FtsRunner | _SqlRunner:
    if (plan.words or plan.tag_groups) and has_fts(session.connection()):
        return _FtsRunner(session, plan)
    return _SqlRunner(session, plan)


def _shortest(variants: Iterable[str]) -> list[str]:
    """The variants that contain no other: any text holding a longer one holds a shorter one."""
    variants = list(variants)
    return [v for v in variants if not any(o != v and o in v for o in variants)]


def _phrase(key: str) -> str:
    """FTS5 for exactly where the key occurs: a phrase of its bigrams, or a prefix (心*)."""
    return '"' + " ".join(bigrams(key)) + '"' if len(key) > 1 else f'"{key}" *'


class _FtsRunner:
    """SQLite with FTS5: FTS5 alone finds and ranks.

    The rank sets (the key in a name; a synonym in a name, or a whole topic name) are FTS5
    queries too, and the rowid carries area and sort order, so only the page's rows are read.
    The SQL is put together from constant pieces and parameter names only (hence the S608
    waivers); the words reach it as bound FTS5 expressions of quoted bigram phrases.
    """

    def __init__(self, session: Session, plan: Plan) -> None:
        self.session = session
        self.words = plan.words
        clauses = [
            "{name_grams grams} : (" + " OR ".join(map(_phrase, _shortest(w.variants))) + ")"
            for w in plan.words
        ] + ["grams : (" + " OR ".join(f'"{t}"' for t in group) + ")" for group in plan.tag_groups]
        self.params: dict[str, str] = {"m": " AND ".join(f"({c})" for c in clauses)}
        levels = []
        for i, word in enumerate(plan.words):
            self.params[f"k{i}"] = _phrase(word.key)
            self.params[f"t{i}"] = (
                "grams : (" + " OR ".join(f'"{topic_token(v)}"' for v in word.variants) + ")"
            )
            second = f"f.rowid IN (SELECT rowid FROM service_search_fts(:t{i}))"  # noqa: S608
            synonyms = _shortest([v for v in word.variants[1:] if word.key not in v])
            if synonyms:
                self.params[f"s{i}"] = " OR ".join(map(_phrase, synonyms))
                second += f" OR f.rowid IN (SELECT rowid FROM service_search_fts_name(:s{i}))"  # noqa: S608
            levels.append(
                f"CASE WHEN f.rowid IN (SELECT rowid FROM service_search_fts_name(:k{i})) THEN 3"  # noqa: S608
                f" WHEN {second} THEN 2 ELSE 1 END"
            )
        self.score = " + ".join(levels) or "0"

    def page(self, limit: int, offset: int) -> tuple[list[str], int]:
        params = {**self.params, "limit": limit, "offset": offset}
        if self.words:
            rows = self.session.execute(
                text(
                    f"SELECT f.rowid, {self.score} AS score, count(*) OVER () "  # noqa: S608
                    "FROM service_search_fts(:m) AS f ORDER BY score DESC, f.rowid "
                    "LIMIT :limit OFFSET :offset"
                ),
                params,
            ).all()
            total = rows[0][2] if rows else self._count()
        else:
            total = self._count()
            rows = self.session.execute(
                text(
                    "SELECT rowid FROM service_search_fts(:m) ORDER BY rowid "
                    "LIMIT :limit OFFSET :offset"
                ),
                params,
            ).all()
        doc_ids = [row[0] for row in rows]
        ss = ServiceSearchText.__table__
        found = dict(
            self.session.execute(
                select(ss.c.doc_id, ss.c.service_id).where(ss.c.doc_id.in_(doc_ids))
            ).all()
        )
        return [found[d] for d in doc_ids if d in found], total

    def exists(self) -> bool:
        query = text("SELECT 1 FROM service_search_fts(:m) LIMIT 1")
        return self.session.execute(query, self.params).first() is not None

    def _count(self) -> int:
        query = text("SELECT count(*) FROM service_search_fts(:m)")
        return self.session.execute(query, self.params).scalar() or 0


class _SqlRunner:
    """PostgreSQL; SQLite before the first reindex (a scan) or for an empty query.

    PostgreSQL's GIN index finds the services holding every bigram of a variant, in any order:
    checking each candidate's text for the exact string would cost more than the rare false
    match it removes (measured: three times slower at 100,000 services). Ranking reads the
    small `name_grams` tsvector.
    """

    def __init__(self, session: Session, plan: Plan) -> None:
        self.session = session
        self.words = plan.words
        ss = ServiceSearchText.__table__
        self.postgresql = session.get_bind().dialect.name == "postgresql"
        self.position = func.strpos if self.postgresql else func.instr
        if not self.postgresql:
            self.conditions = [self._contains(word) for word in plan.words] + [
                or_(*(self.position(ss.c.tags, f" {t} ") > 0 for t in group))
                for group in plan.tag_groups
            ]
            return
        clauses = [" | ".join(map(_tsquery_all, _shortest(w.variants))) for w in plan.words]
        clauses += [" | ".join(f"'{t}'" for t in group) for group in plan.tag_groups]
        query = " & ".join(f"({clause})" for clause in clauses)
        self.conditions = [_matches(ss.c.grams, query)] if query else []

    def page(self, limit: int, offset: int) -> tuple[list[str], int]:
        ss = ServiceSearchText.__table__
        if self.words:
            # Ranked first, apart, so that the count and the sort carry ids and ranks, not rows.
            ranked = (
                select(ss.c.service_id, ss.c.doc_id, _sum(map(self._level, self.words)).label("r"))
                .where(*self.conditions)
                .cte("ranked")
                .prefix_with("MATERIALIZED", dialect="postgresql")
            )
            statement = (
                select(ranked.c.service_id, func.count().over())
                .order_by(ranked.c.r.desc(), ranked.c.doc_id)
                .limit(limit)
                .offset(offset)
            )
            rows = self.session.execute(statement).all()
            if rows:
                return [row[0] for row in rows], rows[0][1]
        ordered = self._ordered(select(ss.c.service_id)).limit(limit).offset(offset)
        counted = select(func.count()).select_from(ss).where(*self.conditions)
        return list(self.session.scalars(ordered)), self.session.scalar(counted) or 0

    def exists(self) -> bool:
        ss = ServiceSearchText.__table__
        statement = select(ss.c.service_id).where(*self.conditions).limit(1)
        return self.session.execute(statement).first() is not None

    def _ordered(self, statement: Select) -> Select:
        ss = ServiceSearchText.__table__
        statement = statement.where(*self.conditions)
        if self.words:
            statement = statement.order_by(_sum(map(self._level, self.words)).desc())
        return statement.order_by(ss.c.doc_id)

    def _level(self, word: Word) -> ColumnElement[int]:
        """3: the key in a name; 2: a synonym in a name, or a whole topic name; else 1."""
        ss = ServiceSearchText.__table__
        synonyms = word.variants[1:]
        if self.postgresql:
            first = _matches(ss.c.name_grams, _tsquery_all(word.key))
            second = _matches(
                ss.c.name_grams,
                " | ".join(
                    [_tsquery_all(v) for v in synonyms]
                    + [f"'{topic_token(v)}'" for v in word.variants]
                ),
            )
        else:
            first = self.position(ss.c.name_text, word.key) > 0
            second = or_(
                *(self.position(ss.c.name_text, v) > 0 for v in synonyms),
                *(self.position(ss.c.topic_text, f" {v} ") > 0 for v in word.variants),
            )
        return case((first, 3), (second, 2), else_=1)

    def _contains(self, word: Word) -> ColumnElement[bool]:
        # Short texts first: most rows then stop before the long one.
        ss = ServiceSearchText.__table__
        fields = (ss.c.name_text, ss.c.topic_text, ss.c.body_text)
        variants = _shortest(word.variants)
        return or_(*(self.position(f, v) > 0 for f in fields for v in variants))


def _sum(levels: Iterable[ColumnElement[int]]) -> ColumnElement[int]:
    total: ColumnElement[int] = literal(0)
    for level in levels:
        total = total + level
    return total


def _matches(column: Any, query: str) -> ColumnElement[bool]:
    return column.op("@@")(cast(literal(query), TSQUERY))


def _tsquery_all(key: str) -> str:
    """A tsquery that holds when every bigram of the key is there (a prefix for one character)."""
    if len(key) == 1:
        return f"'{key}':*"
    return "(" + " & ".join(f"'{g}'" for g in dict.fromkeys(bigrams(key))) + ")"
