"""The search index table: each published service's normalised texts, tokens and filter tags.

A query is a boolean expression over the tokens (`directory.search.tokens`), answered by an
inverted index: FTS5 on SQLite (``ascii`` tokenizer, every token being normalised already; see
`directory.search.fts_tables`), GIN indexes over ``tsvector`` columns on PostgreSQL.

The index is derived data: `directory.search.reindex.reindex` must run after a service, its
organisation, topics, channels, areas, languages or schedules change; when synonym groups
change, `directory.search.synonym_tokens.refresh_synonym_tokens` updates the rows whose texts
hold their words. Only published services are indexed.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Text, text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from directory.models import AREAS


class ServiceSearchText(Base):
    """One published service as search sees it (rebuilt by `reindex`, never edited)."""

    __tablename__ = "service_search"
    __table_args__ = (
        # PostgreSQL searches `grams` through this GIN index. SQLite searches through FTS5 (see
        # `ensure_fts`); there it exists only so that both databases have one schema, and
        # WHERE 0 keeps it empty.
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
    # other texts' bigrams in order, then tags and whole-topic tokens. PostgreSQL (tsvector):
    # all of them in `grams`, and the name's again, marked (`tokens.name_token`), to rank;
    # `name_grams` is left empty there.
    name_grams: Mapped[str] = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"))
    grams: Mapped[str] = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"))
    # The tokens of the synonym groups whose words the texts hold (`tokens.synonym_token`),
    # space-padded. They are in `grams` too, and those of the name among the name's. None only in
    # rows indexed before synonym tokens existed, until `tsunagu init` works them out.
    synonym_tokens: Mapped[str | None] = mapped_column(Text, nullable=True)
    # What a result shows (`directory.search.summaries`). None only in rows indexed before
    # summaries existed (migration 0010), until `fill_summaries` runs (`tsunagu init` does);
    # meanwhile they are built per query.
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)


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
