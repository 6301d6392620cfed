"""The topics taxonomy, stored as HSDS taxonomy terms with stable ids."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.models import TOPIC_TAXONOMY, TaxonomyTerm
from directory.topics import TOPICS

TAXONOMY = TOPIC_TAXONOMY
TERM_NAMESPACE = uuid.UUID("a3c5e2a8-2b8c-4f44-9d0e-4d1b7f7e5c21")
# Which topics also say who a service is for (the "who it is for" filter).
AUDIENCE_BY_TOPIC = {
    "children-youth": "youth",
    "women": "women",
    "elderly-care": "elderly",
    "foreign-residents": "foreign-residents",
}


def term_id(code: str) -> str:
    return str(uuid.uuid5(TERM_NAMESPACE, f"{TAXONOMY}/{code}"))


def topic_terms(session: Session) -> list[TaxonomyTerm]:
    """Our topics, in order: never the terms of another taxonomy (`Service.other_terms`)."""
    statement = select(TaxonomyTerm).where(TaxonomyTerm.taxonomy == TAXONOMY)
    return list(session.scalars(statement.order_by(TaxonomyTerm.sort_order)))


def ensure_topics(session: Session) -> dict[str, TaxonomyTerm]:
    """Create or update the project's topic terms; returns them by code."""
    ours = select(TaxonomyTerm).where(TaxonomyTerm.taxonomy == TAXONOMY)
    existing = {t.code: t for t in session.scalars(ours)}
    for order, topic in enumerate(TOPICS):
        term = existing.get(topic.slug)
        if term is None:
            term = TaxonomyTerm(id=term_id(topic.slug), code=topic.slug)
            session.add(term)
            existing[topic.slug] = term
        term.name, term.name_en, term.sort_order = topic.ja, topic.en, order
        term.name_kana = topic.kana
        term.taxonomy = TAXONOMY
    session.flush()
    return existing
