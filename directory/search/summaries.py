"""Result summaries: what a search result shows of a service, kept in its index row.

A summary holds what a result (the `service_summary` macro in public_site/templates/public/
_service.html) and its opening state (`directory.hours`) read: the service's own fields, its
organisation's name, its contact channels and its schedule rows, so a result page is one query.
It is derived data, like the rest of the row: built by `directory.search.reindex` whenever the
service changes, and read back as plain objects, so a result page loads no ORM objects. Stored
as JSON: times and dates as ISO strings. Not called a card: that word is for the printed
guidance cards (`cards/`) alone.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, time
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.hours import HoursSpec
from directory.models import ContactChannel, Organization, Schedule, Service, channel_href

log = logging.getLogger(__name__)

# The service's own fields a summary keeps.
FIELDS = (
    "name",
    "needs_check",
    "contact_confirmed",
    "audience",
    "contact_note",
    "hours_note",
    "cost",
    "cost_note",
    "anonymous",
    "source_url",
    "source_date",
    "closed_on_holidays",
    "closed_over_year_end",
    # English pages show these where staff wrote them (the Japanese, marked, where not), and
    # the /easy/ pages the easy-Japanese summary.
    "name_en",
    "audience_en",
    "summary_en",
    "hours_note_en",
    "cost_note_en",
    "summary_easy",
)
SCHEDULE_FIELDS = ("id", "kind", "weekday", "opens_at", "closes_at", "last_intake_at")
SCHEDULE_FIELDS += ("valid_from", "valid_to", "closed")


@dataclass(frozen=True, slots=True)
class SummaryOrganization:
    name: str
    name_en: str = ""


@dataclass(frozen=True, slots=True)
class SummaryChannel:
    kind: str
    value: str
    label: str
    # The channel's id, for its counted link (`public_site.go`); 0 in a summary stored before
    # summaries kept it (migration 0037 has them built again), which links straight to it.
    id: int = 0

    @property
    def href(self) -> str | None:
        return channel_href(self.kind, self.value)


class SummarySchedule(NamedTuple):
    """A schedule row as `directory.hours.HoursSpec.from_service` reads it."""

    id: int
    kind: str
    weekday: int | None
    opens_at: time | None
    closes_at: time | None
    last_intake_at: time | None
    valid_from: date | None
    valid_to: date | None
    closed: bool


@dataclass(frozen=True, slots=True)
class ServiceSummary:
    """A published service as a result lists it; read like a `Service` by templates and hours."""

    id: str
    name: str
    needs_check: bool
    contact_confirmed: bool
    audience: str
    contact_note: str
    hours_note: str
    cost: str
    cost_note: str
    anonymous: bool | None
    source_url: str
    source_date: str
    closed_on_holidays: bool
    closed_over_year_end: bool
    name_en: str
    audience_en: str
    summary_en: str
    hours_note_en: str
    cost_note_en: str
    summary_easy: str
    organization: SummaryOrganization
    channels: tuple[SummaryChannel, ...]
    schedules: tuple[SummarySchedule, ...]
    # Its hours, read once with the summary (which `summary_from_json` keeps), not at every
    # check.
    hours_spec: HoursSpec = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            spec = HoursSpec.from_service(self)
        except ValueError as error:  # as `directory.hours.open_at` reads them
            log.warning("hours of service %s shown as unknown: %s", self.id, error)
            spec = HoursSpec()
        object.__setattr__(self, "hours_spec", spec)


def build_summaries(session: Session, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The summaries (JSON-ready) of the published services among ``ids``, in 3 queries."""
    rows = session.execute(
        select(Service.id, *(getattr(Service, f) for f in FIELDS))
        .add_columns(Organization.name, Organization.name_en)
        .join(Organization, Organization.id == Service.organization_id)
        .where(Service.id.in_(ids), Service.status == "published")
    ).all()
    live = [row[0] for row in rows]
    channels: dict[str, list[list[Any]]] = defaultdict(list)
    for service_id, *channel in session.execute(
        select(ContactChannel.service_id, ContactChannel.kind, ContactChannel.value)
        .add_columns(ContactChannel.label, ContactChannel.id)
        .where(ContactChannel.service_id.in_(live))
        .order_by(ContactChannel.service_id, ContactChannel.sort_order, ContactChannel.id)
    ):
        channels[service_id].append(channel)
    schedules: dict[str, list[list[Any]]] = defaultdict(list)
    for service_id, *schedule in session.execute(
        select(Schedule.service_id, *(getattr(Schedule, f) for f in SCHEDULE_FIELDS))
        .where(Schedule.service_id.in_(live))
        .order_by(Schedule.service_id, Schedule.id)
    ):
        schedules[service_id].append([_iso(value) for value in schedule])
    return {
        service_id: {
            **dict(zip(FIELDS, values, strict=True)),
            "organization": organization,
            "organization_en": organization_en,
            "channels": channels[service_id],
            "schedules": schedules[service_id],
        }
        for service_id, *values, organization, organization_en in rows
    }


def summary_from(service_id: str, document: dict[str, Any]) -> ServiceSummary:
    """The summary stored as ``document`` (see `build_summaries`); KeyError if it lacks a field."""
    return ServiceSummary(
        service_id,
        **{field: document[field] for field in FIELDS},
        organization=SummaryOrganization(document["organization"], document["organization_en"]),
        channels=tuple(SummaryChannel(*channel) for channel in document["channels"]),
        schedules=tuple(_schedule(row) for row in document["schedules"]),
    )


@lru_cache(maxsize=2048)
def summary_from_json(service_id: str, document: str) -> ServiceSummary:
    """`summary_from` for a summary as stored, in JSON: each stored text is parsed once.

    Summaries are immutable, so the same one can serve every page that lists the service; an
    edit stores another text, which is parsed anew.
    """
    return summary_from(service_id, json.loads(document))


def _schedule(row: list[Any]) -> SummarySchedule:
    schedule_id, kind, weekday, opens, closes, last_intake, valid_from, valid_to, closed = row
    return SummarySchedule(
        schedule_id,
        kind,
        weekday,
        _time(opens),
        _time(closes),
        _time(last_intake),
        _date(valid_from),
        _date(valid_to),
        bool(closed),
    )


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, time | date) else value


def _time(value: str | None) -> time | None:
    return None if value is None else time.fromisoformat(value)


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)
