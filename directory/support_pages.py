"""What the pages for the people around someone list (see ``directory.topics.SupportPage``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory.models import TOPIC_TAXONOMY, Service, TaxonomyTerm, service_topic
from directory.topics import SupportPage


def support_services(session: Session, page: SupportPage) -> list[Service]:
    """The page's services that are published, in the page's order."""
    found = {
        service.name: service
        for service in session.scalars(
            select(Service)
            .where(Service.status == "published", Service.name.in_(page.services))
            .options(
                selectinload(Service.channels),
                selectinload(Service.schedules),
                selectinload(Service.organization),
            )
        )
    }
    return [found[name] for name in page.services if name in found]


def support_topics(session: Session, page: SupportPage) -> list[TaxonomyTerm]:
    """The page's topics that list a published service, in the page's order: a link never
    leads to an empty list."""
    listed = (
        select(service_topic.c.term_id)
        .join(Service, Service.id == service_topic.c.service_id)
        .where(Service.status == "published")
    )
    found = {
        term.code: term
        for term in session.scalars(
            select(TaxonomyTerm).where(
                TaxonomyTerm.taxonomy == TOPIC_TAXONOMY,
                TaxonomyTerm.code.in_(page.topics),
                TaxonomyTerm.id.in_(listed),
            )
        )
    }
    return [found[code] for code in page.topics if code in found]
