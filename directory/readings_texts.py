"""The texts the easy-Japanese pages show from the directory, for their stored readings.

`core.readings_store` keeps the readings of what public pages put furigana on, so the public
site never computes one. This module says what that is for a service: its own fields as the
templates show them (a place's prefecture, city and address as one text, as the service page
joins them), its organisation's name, the publisher of its official page, its channels'
labels, places and areas, its languages' names, and the texts the site builds from its hours
(the weekly table, the printed week; its state and summary differ between services only in
numbers and days, which are read by rule, so `hours.status_texts` holds every word of them).
The topics are stored with every reindex; those already stored cost one query.

`store_service_readings` runs where the search index is rebuilt for services
(`directory.search.reindex`), in the process that edits the directory.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from babel import Locale
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.profile import profile_texts, stored_profile
from core.readings_store import store_all, store_texts
from directory.hours import HOLIDAY_NOTE, YEAR_END_NOTE, status_texts, weekly_table
from directory.models import TOPIC_TAXONOMY, Service, ServiceAtLocation, TaxonomyTerm
from directory.official import official_source
from directory.printable import week_lines

SERVICE_FIELDS = (
    "name",
    "description",
    "summary_easy",
    "audience",
    "hours_note",
    "cost_note",
    "contact_note",
    "languages_note",
    "address",
)
LANGUAGE_NAMES = Locale("ja").languages  # CLDR, as `public_site.labels.language_label` shows them


def service_texts(service: Service) -> Iterator[str]:
    """Every directory text a public page may show with readings for ``service``."""
    for name in SERVICE_FIELDS:
        yield getattr(service, name, "") or ""
    yield service.organization.name
    official = official_source(service)
    if official is not None:
        yield official.publisher
    yield from (channel.label for channel in service.channels)
    yield from (area.name for area in service.service_areas)
    for language in service.languages:
        yield LANGUAGE_NAMES.get(language.code, language.code)
    for link in service.service_at_locations:
        place = link.location
        yield place.name
        yield place.state_province + place.city + place.address_1
        yield place.transportation
        yield place.accessibility
    week = weekly_table(service)
    for day in week:
        yield day.label
        yield day.text
    yield from week.notes
    yield from week_lines(service, "ja")  # type: ignore[arg-type]  # a Service has its hours too


def site_texts(session: Session) -> Iterator[str]:
    """The site's own words around directory texts: the topics, the hours' states (in every
    language: English has no unit to read)."""
    yield from session.scalars(
        select(TaxonomyTerm.name).where(TaxonomyTerm.taxonomy == TOPIC_TAXONOMY)
    )
    yield from status_texts()
    yield from (HOLIDAY_NOTE, YEAR_END_NOTE, "休み")


def store_service_readings(session: Session, ids: Sequence[str]) -> int:
    """Store the readings of these services' texts and of the site's own words that are not
    stored yet; returns how many units were stored."""
    return store_texts(session, _texts(session, ids), "directory") + store_texts(
        session, site_texts(session), "site"
    )


def store_every_reading(session: Session, ids: Sequence[str]) -> int:
    """Compute the readings of every public text afresh (the directory's, the site's, the
    profile's), dropping units no text has any more; returns how many are stored."""
    profile = stored_profile(session)
    return store_all(
        session,
        {
            "profile": profile_texts(profile) if profile else (),
            "site": list(site_texts(session)),
            "directory": _texts(session, ids),
        },
    )


def _texts(session: Session, ids: Sequence[str]) -> list[str]:
    texts: list[str] = []
    for start in range(0, len(ids), 200):
        services = session.scalars(
            select(Service)
            .where(Service.id.in_(ids[start : start + 200]), Service.status == "published")
            .options(
                selectinload(Service.organization),
                selectinload(Service.channels),
                selectinload(Service.service_areas),
                selectinload(Service.languages),
                selectinload(Service.schedules),
                selectinload(Service.service_at_locations).selectinload(ServiceAtLocation.location),
            )
        )
        for service in services:
            texts += service_texts(service)
    return texts
