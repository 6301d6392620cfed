"""What search knows of a service: its matching keys by field, and its filter tags.

A document holds the service's name keys (name, reading, organisation, and their English
names), topic keys (names, readings, English, and their parts), body keys (description,
audience, areas, hours, contact labels, cost and language notes, address, the English summary,
audience, hours and cost) and the tags of every filter value it has. The English texts are
indexed like the Japanese, so a search on either page finds "helpline" or "English".
`directory.search.reindex` turns documents into index rows.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import time
from typing import Any

from sqlalchemy import Row, Select, select
from sqlalchemy.orm import Session

from directory.models import (
    ContactChannel,
    Language,
    Organization,
    Schedule,
    Service,
    ServiceArea,
    TaxonomyTerm,
    service_topic,
)
from directory.search.tokens import WHOLE_MUNICIPALITY, district_tag, open_slot, tag
from directory.textnorm import normalize, reading

FIELD_LIMIT = 2000  # characters of one text that are indexed
READING_LIMIT = 500  # characters of a text whose reading is indexed
_SEGMENTS = re.compile(r"[\W_]+")


def service_documents(session: Session, ids: list[str]) -> Iterator[dict[str, Any]]:
    """The documents of the published services among ``ids``, read in a few queries."""
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
            Service.name_en,
            Service.audience_en,
            Service.summary_en,
            Service.hours_note_en,
            Service.cost_note_en,
            Organization.name.label("organization"),
            Organization.name_kana.label("organization_kana"),
            Organization.name_en.label("organization_en"),
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
            [
                row.name,
                row.name_kana,
                row.organization,
                row.organization_kana,
                row.name_en,
                row.organization_en,
            ],
            read=[row.name, row.organization],
        ),
        "topic": _keys(
            [part for _, *labels in topics for label in labels for part in _parts(label)],
            read=[name for _, name, *_ in topics],
        ),
        "body": _keys(
            [row.description, row.audience, *(name for name, _ in areas), row.hours_note]
            + [label for _, label in channels]
            + [row.cost_note, row.languages_note, *(n for _, n in languages), row.address]
            + [row.summary_en, row.audience_en, row.hours_note_en, row.cost_note_en],
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


def _minutes_after(start: time, end: time) -> int:
    """Minutes from ``start`` to the next ``end``: a whole day when they are the same time."""
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return minutes % 1440 or 1440
