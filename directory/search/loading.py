"""Loading the services of a result page: their cards, kept in the index (one query)."""

from __future__ import annotations

import logging
from contextlib import suppress

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from directory.models import Service
from directory.search.cards import ServiceCard, build_cards, card_from
from directory.search.index import ServiceSearchText

log = logging.getLogger(__name__)
_INDEX = ServiceSearchText.__table__
_SERVICE = Service.__table__
# Through the tables, not the ORM: a page reads ten small JSON documents and maps nothing.
# The status is read, not filtered on in SQL (SQLite would walk its index, nearly every row):
# a row the index still holds for a service no longer published is never shown.
_CARDS = (
    select(_INDEX.c.service_id, _INDEX.c.card, _SERVICE.c.status)
    .join(_SERVICE, _SERVICE.c.id == _INDEX.c.service_id)
    .where(_INDEX.c.service_id.in_(bindparam("ids", expanding=True)))
)


def load_services(session: Session, ids: list[str]) -> list[ServiceCard]:
    """The cards of the published services of ``ids`` that the index holds, in that order.

    A row indexed before cards existed, or with a card of an older shape, has its card built
    from the tables instead, and a warning is logged: `tsunagu init` stores the missing ones,
    `directory reindex` rebuilds every card.
    """
    if not ids:
        return []
    rows = session.execute(_CARDS, {"ids": ids})
    stored = {row.service_id: row.card for row in rows if row.status == "published"}
    cards: dict[str, ServiceCard] = {}
    for service_id, document in stored.items():
        with suppress(KeyError, TypeError, ValueError):  # built again below
            cards[service_id] = card_from(service_id, document)
    rebuild = [i for i in stored if i not in cards]
    if rebuild:
        log.warning("search: %d cards built per query; run `directory reindex`", len(rebuild))
        for service_id, document in build_cards(session, rebuild).items():
            cards[service_id] = card_from(service_id, document)
    return [cards[i] for i in ids if i in cards]
