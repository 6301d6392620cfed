"""The search index: each published service's normalised text, its bigrams and its filter tags.

Japanese has no spaces and many words that matter are two characters long (借金, 学校), so the
index holds the overlapping character bigrams of every normalised text (and each text's last
character, so one character can be a prefix query), one tag per filter value (``topic_debt``,
``channel_line``, ``open_d1h9`` ...) and one token per whole topic name. A query is a boolean
expression over those tokens, answered by an inverted index: FTS5 on SQLite (``ascii``
tokenizer, every token being normalised already), a GIN index over a ``tsvector`` on
PostgreSQL. `directory.search` builds and runs those queries.

The index is derived data: `reindex` must run after a service, its organisation, topics,
channels, areas, languages or schedules change. Synonyms need no reindex: they are expanded
per query. Only published services are indexed.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import time
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Select, Text, delete, insert, select, text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base
from directory.models import (
    AREAS,
    ContactChannel,
    Language,
    Organization,
    Schedule,
    Service,
    ServiceArea,
    TaxonomyTerm,
    service_topic,
)
from directory.textnorm import bigrams, normalize, reading

FTS_TABLE = "service_search_fts"  # SQLite only; its shadow tables and triggers share the prefix
FTS_NAME_TABLE = "service_search_fts_name"
SEPARATOR = "_"  # between texts in a token sequence, so that no phrase spans two of them
FIELD_LIMIT = 2000  # characters of one text that are indexed
READING_LIMIT = 500  # characters of a text whose reading is indexed
BATCH = 500
_TAG_UNSAFE = re.compile(r"[^a-z0-9]+")
_SEGMENTS = re.compile(r"[\W_]+")


class ServiceSearchText(Base):
    """One published service as search sees it (rebuilt by `reindex`, never edited)."""

    __tablename__ = "service_search"
    __table_args__ = (
        # PostgreSQL searches `grams` through this GIN index. SQLite searches through FTS5 (see
        # `ensure_fts`); there the index exists only so that both databases have one schema,
        # and WHERE 0 keeps it empty.
        Index("ix_service_search_grams", "grams", postgresql_using="gin", sqlite_where=text("0")),
        {"info": {"public": "read"}},
    )

    service_id: Mapped[str] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), primary_key=True
    )
    # Rank among equally relevant services, and the FTS5 rowid: see `doc_id_for`.
    doc_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    # Matching keys (`textnorm.normalize`), space-separated and space-padded, so " 借金 " is a
    # whole topic name. Name: name, reading, organisation. Topic: names, readings, English.
    # Body: description, audience, areas, hours, contact labels, cost and language notes.
    name_text: Mapped[str] = mapped_column(Text)
    topic_text: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    tags: Mapped[str] = mapped_column(Text)  # filter tags, space-padded
    # Tokens for the inverted indexes. SQLite (FTS5 columns): the name's bigrams in order; the
    # other texts' bigrams in order, then tags and whole-topic tokens. PostgreSQL (tsvectors):
    # all of them in `grams`; the name's bigrams and the whole-topic tokens again in
    # `name_grams`, to rank.
    name_grams: Mapped[str] = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"))
    grams: Mapped[str] = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"))


def tag(kind: str, value: str) -> str:
    """A filter tag token: lower-case ASCII letters, digits and underscores only."""
    return f"{kind}_{_TAG_UNSAFE.sub('_', value.lower()).strip('_')}"


def district_tag(name: str) -> str:
    """The tag of one of the municipality's districts (峰山町...): a hash of its normalised name."""
    digest = hashlib.blake2b(normalize(name).encode(), digest_size=6).hexdigest()
    return f"district_{digest}"


WHOLE_MUNICIPALITY = "district_all"  # a municipal service not limited to some districts


def topic_token(key: str) -> str:
    """The token of a whole topic name (a matching key), for ranking exact topic matches."""
    return f"t_{key}"


def open_slot(weekday: int, hour: int) -> str:
    """The tag of one hour of the week (Monday = 0), in Tokyo time."""
    return f"open_d{weekday}h{hour}"


def doc_id_for(area: str, sort_order: int, service_id: str, attempt: int = 0) -> int:
    """Area rank (2 bits), then sort order (20 bits), then 40 bits of a hash of the id.

    Ordering by doc_id is ordering local before national, then by sort_order; FTS5 returns
    rows in rowid order, so SQLite ranks equally relevant services without reading the table.
    ``attempt`` picks another hash when two services would collide.
    """
    area_rank = AREAS.index(area) if area in AREAS else len(AREAS)
    order = min(max(sort_order + (1 << 19), 0), (1 << 20) - 1)
    digest = hashlib.blake2b(f"{service_id}/{attempt}".encode(), digest_size=5).digest()
    return area_rank << 60 | order << 40 | int.from_bytes(digest)


def reindex(session: Session, services: Iterable[Service | str] | None = None) -> int:
    """Rebuild the index rows of the given services (objects or ids), or of all of them.

    Drafts, archived and deleted services lose their row. Returns how many rows were written.
    Runs in the caller's transaction, after flushing it, so it sees the edits just made.
    """
    session.flush()
    dialect = session.get_bind().dialect.name
    sqlite = dialect == "sqlite"
    if services is None:
        if sqlite:  # one FTS5 rebuild at the end is far faster than upkeep row by row
            for trigger in ("ai", "ad", "au"):
                session.execute(text(f"DROP TRIGGER IF EXISTS service_search_fts_{trigger}"))
        session.execute(delete(ServiceSearchText))
        ids = list(session.scalars(select(Service.id).order_by(Service.id)))
    else:
        if sqlite:
            ensure_fts(session.connection())
        ids = sorted({s if isinstance(s, str) else s.id for s in services})
    written = 0
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        session.execute(delete(ServiceSearchText).where(ServiceSearchText.service_id.in_(batch)))
        rows = [_row(document, dialect) for document in _documents(session, batch)]
        if rows:
            _unique_doc_ids(session, rows)
            session.execute(insert(ServiceSearchText), rows)
        written += len(rows)
    if sqlite:
        ensure_fts(session.connection())
    return written


# Two external-content FTS5 tables over `service_search`: every text (to find), and the names
# alone (to rank name matches first without reading the far longer doclists of every text).
# Triggers keep them in step with the table, whoever writes to it (a cascade, a test cleanup).
_OLD = (
    "INSERT INTO service_search_fts(service_search_fts, rowid, name_grams, grams)"
    " VALUES ('delete', old.doc_id, old.name_grams, old.grams);"
    " INSERT INTO service_search_fts_name(service_search_fts_name, rowid, name_grams)"
    " VALUES ('delete', old.doc_id, old.name_grams);"
)
_NEW = (
    "INSERT INTO service_search_fts(rowid, name_grams, grams)"
    " VALUES (new.doc_id, new.name_grams, new.grams);"
    " INSERT INTO service_search_fts_name(rowid, name_grams) VALUES (new.doc_id, new.name_grams);"
)
_TOKENS = "content='service_search', content_rowid='doc_id', tokenize=\"ascii tokenchars '_'\""
FTS_DDL = {
    "service_search_fts": "CREATE VIRTUAL TABLE IF NOT EXISTS service_search_fts"
    f" USING fts5(name_grams, grams, {_TOKENS})",
    "service_search_fts_name": "CREATE VIRTUAL TABLE IF NOT EXISTS service_search_fts_name"
    f" USING fts5(name_grams, {_TOKENS})",
    "service_search_fts_ai": "CREATE TRIGGER IF NOT EXISTS service_search_fts_ai"
    f" AFTER INSERT ON service_search BEGIN {_NEW} END",
    "service_search_fts_ad": "CREATE TRIGGER IF NOT EXISTS service_search_fts_ad"
    f" AFTER DELETE ON service_search BEGIN {_OLD} END",
    "service_search_fts_au": "CREATE TRIGGER IF NOT EXISTS service_search_fts_au"
    f" AFTER UPDATE ON service_search BEGIN {_OLD} {_NEW} END",
}
_REBUILD = (
    "INSERT INTO service_search_fts(service_search_fts) VALUES ('rebuild')",
    "INSERT INTO service_search_fts_name(service_search_fts_name) VALUES ('rebuild')",
)


def ensure_fts(connection: Connection) -> None:
    """Create the SQLite FTS5 tables and their triggers, if anything is missing, and fill them.

    Made here, not in a migration, because FTS5's shadow tables cannot be described by the
    models that the migration test compares with. A batch migration that copies
    `service_search` drops its triggers: the next reindex puts them back.
    """
    if set(FTS_DDL) <= _fts_objects(connection):
        return
    for statement in (*FTS_DDL.values(), *_REBUILD):
        connection.exec_driver_sql(statement)


def has_fts(connection: Connection) -> bool:
    return connection.dialect.name == "sqlite" and {FTS_TABLE, FTS_NAME_TABLE} <= _fts_objects(
        connection
    )


def _fts_objects(connection: Connection) -> set[str]:
    query = "SELECT name FROM sqlite_master WHERE name LIKE 'service\\_search\\_fts%' ESCAPE '\\'"
    return set(connection.exec_driver_sql(query).scalars())


def _unique_doc_ids(session: Session, rows: list[dict[str, Any]]) -> None:
    taken = set(
        session.scalars(
            select(ServiceSearchText.doc_id).where(
                ServiceSearchText.doc_id.in_([row["doc_id"] for row in rows])
            )
        )
    )
    for row in rows:
        attempt = 0
        while row["doc_id"] in taken:
            attempt += 1
            row["doc_id"] = doc_id_for(*row["_order"], row["service_id"], attempt)
        taken.add(row["doc_id"])
        del row["_order"]


def _row(document: dict[str, Any], dialect: str) -> dict[str, Any]:
    """The table row of a document: its texts padded, its tokens as the dialect indexes them."""
    name, topic, body, tags = (document[k] for k in ("name", "topic", "body", "tags"))
    topic_tokens = [topic_token(key) for key in topic]
    if dialect == "postgresql":
        tokens = {g for key in (*name, *topic, *body) for g in key_tokens(key)}
        grams = " ".join(sorted(tokens | tags | set(topic_tokens)))
        # Small, and kept in the row (see the migration): ranks without reading `grams`.
        ranked = {g for key in name for g in key_tokens(key)} | set(topic_tokens)
        name_grams = " ".join(sorted(ranked))
    else:
        name_grams = _sequence(name)
        grams = " ".join([_sequence((*topic, *body)), *sorted(tags), *topic_tokens])
    area, sort_order = document["order"]
    return {
        "service_id": document["id"],
        "doc_id": doc_id_for(area, sort_order, document["id"]),
        "_order": document["order"],
        "name_text": _padded(name),
        "topic_text": _padded(topic),
        "body_text": _padded(body),
        "tags": _padded(sorted(tags)),
        "name_grams": name_grams,
        "grams": grams,
    }


def key_tokens(key: str) -> list[str]:
    """A key's bigrams in order, then its last character and the separator.

    Every character of the key then starts a token, so a one-character query is a prefix
    query on the index (心*) instead of a scan of every text.
    """
    return [*bigrams(key), key[-1] + SEPARATOR]


def _sequence(keys: Iterable[str]) -> str:
    """The keys' tokens in order, keys apart, so an FTS5 phrase matches exactly a substring."""
    return f" {SEPARATOR} ".join(" ".join(key_tokens(key)) for key in keys)


def _padded(keys: Iterable[str]) -> str:
    joined = " ".join(keys)
    return f" {joined} " if joined else " "


def _documents(session: Session, ids: list[str]) -> Iterator[dict]:
    services = session.execute(
        select(
            Service.id,
            Service.name,
            Service.name_kana,
            Service.description,
            Service.audience,
            Service.audiences,
            Service.hours_note,
            Service.cost,
            Service.cost_note,
            Service.anonymous,
            Service.languages_note,
            Service.address,
            Service.area,
            Service.sort_order,
            Organization.name.label("organization"),
            Organization.name_kana.label("organization_kana"),
        )
        .join(Organization, Organization.id == Service.organization_id)
        .where(Service.id.in_(ids), Service.status == "published")
    ).all()
    live = [row.id for row in services]
    if not live:
        return
    topics = _grouped(
        session,
        select(
            service_topic.c.service_id,
            TaxonomyTerm.code,
            TaxonomyTerm.name,
            TaxonomyTerm.name_kana,
            TaxonomyTerm.name_en,
        )
        .join(TaxonomyTerm, TaxonomyTerm.id == service_topic.c.term_id)
        .where(service_topic.c.service_id.in_(live)),
    )
    channels = _grouped(
        session,
        select(ContactChannel.service_id, ContactChannel.kind, ContactChannel.label).where(
            ContactChannel.service_id.in_(live)
        ),
    )
    areas = _grouped(
        session,
        select(ServiceArea.service_id, ServiceArea.name, ServiceArea.extent_type).where(
            ServiceArea.service_id.in_(live)
        ),
    )
    languages = _grouped(
        session,
        select(Language.service_id, Language.code, Language.name).where(
            Language.service_id.in_(live)
        ),
    )
    schedules = _grouped(
        session,
        select(
            Schedule.service_id,
            Schedule.kind,
            Schedule.weekday,
            Schedule.opens_at,
            Schedule.closes_at,
            Schedule.last_intake_at,
            Schedule.closed,
        ).where(Schedule.service_id.in_(live)),
    )
    for row in services:
        yield _document(
            row,
            topics[row.id],
            channels[row.id],
            areas[row.id],
            languages[row.id],
            schedules[row.id],
        )


def _grouped(session: Session, statement: Select) -> dict[str, list[tuple]]:
    grouped: dict[str, list[tuple]] = defaultdict(list)
    for service_id, *values in session.execute(statement):
        grouped[service_id].append(tuple(values))
    return grouped


def _document(row: Row, topics, channels, areas, languages, schedules) -> dict[str, Any]:
    return {
        "id": row.id,
        "order": (row.area, row.sort_order),
        "name": _keys(
            [row.name, row.name_kana, row.organization, row.organization_kana],
            read=[row.name, row.organization],
        ),
        "topic": _keys(
            [part for _, *labels in topics for label in labels for part in _parts(label)],
            read=[name for _, name, *_ in topics],
        ),
        "body": _keys(
            [row.description, row.audience, *(name for name, _ in areas), row.hours_note]
            + [label for _, label in channels]
            + [row.cost_note, row.languages_note, *(n for _, n in languages), row.address],
            read=[row.description, row.audience, *(name for name, _ in areas)],
        ),
        "tags": _tags(row, topics, channels, languages)
        | _district_tags(row.area, areas)
        | _open_slots(schedules),
    }


def _parts(label: str) -> list[str]:
    """A label and its parts: 借金・お金 is also 借金 and お金, so either is a whole topic name."""
    parts = [part for part in _SEGMENTS.split(label) if part]
    return [label, *parts] if len(parts) > 1 else [label]


def _keys(texts: Iterable[str | None], read: Iterable[str | None] = ()) -> list[str]:
    """Distinct non-empty matching keys of the texts and of the readings of ``read``."""
    keys = [normalize(t[:FIELD_LIMIT]) for t in texts if t]
    keys += [reading(t[:READING_LIMIT]) for t in read if t]
    return list(dict.fromkeys(k for k in keys if k))


def _tags(row: Row, topics, channels, languages) -> set[str]:
    tags = {tag("area", row.area)}
    tags |= {tag("topic", code) for code, *_ in topics}
    tags |= {tag("channel", kind) for kind, _ in channels}
    tags |= {tag("lang", code) for code, _ in languages}
    tags |= {tag("audience", audience) for audience in row.audiences or ()}
    if row.cost == "free":
        tags.add("cost_free")
    if row.anonymous:
        tags.add("anonymous_yes")
    return tags


def _district_tags(area: str, areas: list[tuple]) -> set[str]:
    """Which districts a municipal service serves: those named, or all when none is named."""
    if area != "municipality":
        return set()
    named = {district_tag(name) for name, extent in areas if extent == "district"}
    return named or {WHOLE_MUNICIPALITY}


def _open_slots(schedules: list[tuple]) -> set[str]:
    """Every weekly hour a service may take contacts in (Tokyo time): a superset of `open_at`.

    Holidays and closures only close, so they are left to `open_at`; an exception with hours may
    open on any date, so it gets ``open_special`` and is always checked. Whole days and whole
    weeks get one tag instead of 24 or 168.
    """
    hours: set[int] = set()
    slots: set[str] = set()
    for kind, weekday, opens, closes, last_intake, closed in schedules:
        if kind == "exception" and not closed:
            slots.add("open_special")
        if kind != "weekly" or weekday not in range(7) or opens is None or closes is None:
            continue
        length = _minutes_after(opens, closes)
        if last_intake is not None:
            length = min(length, _minutes_after(opens, last_intake))
        start = weekday * 1440 + opens.hour * 60 + opens.minute
        hours |= {hour % 168 for hour in range(start // 60, (start + length - 1) // 60 + 1)}
    if len(hours) == 168:
        return slots | {"open_always"}
    for day in range(7):
        day_hours = {h % 24 for h in hours if h // 24 == day}
        slots |= (
            {f"open_d{day}all"} if len(day_hours) == 24 else {open_slot(day, h) for h in day_hours}
        )
    return slots


def open_now_tags(weekday: int, hour: int) -> tuple[str, ...]:
    """The tags of which one marks a service that may be open in this hour of the week."""
    return (open_slot(weekday, hour), f"open_d{weekday}all", "open_always", "open_special")


def _minutes_after(start: time, end: time) -> int:
    """Minutes from ``start`` to the next ``end``: a whole day when they are the same time."""
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return minutes % 1440 or 1440
