"""Which help is used, without tracking anyone: taps on a service's LINE, chat and web buttons.

The public site's buttons for these channels point at ``/go/<service>/<channel>``, which counts
one tap for the service, the kind of channel and the day (Asia/Tokyo), then sends the browser
on to the channel's stored address (`public_site.go`). The same rule as card scans
(`cards.batches.count_scan`): only the service, the kind, the day and a number are written; no
address, browser, referrer, cookie or time of day, so a count can never say who tapped.

Phone numbers stay plain ``tel:`` links and are not counted: a call must never depend on this
server (a kept copy offline, the static mirror, a slow or failing server), and a redirect to
``tel:`` is not followed by every phone's browser (see README, "Which help is used").

Only a channel that the public pages show as a link is a target: a published service whose
contacts staff have confirmed (`Service.contact_confirmed`), a kind in `COUNTED_KINDS`, an
https address (`directory.models.channel_href`). Anything else is not found, and not counted.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.timezone import tokyo_today
from directory.labels import CHANNEL_KIND_LABELS
from directory.models import ChannelTapDay, ContactChannel, Service, channel_href

# The kinds whose buttons go through /go/: each opens an https address. Phone stays tel:.
COUNTED_KINDS = ("line", "chat", "web")
RECENT_DAYS = 30


@dataclass(frozen=True)
class TapTarget:
    service_id: str
    channel_id: int
    kind: str
    href: str


def is_counted(kind: str, value: str) -> bool:
    """Whether a channel's button goes through /go/ (else its own link, or plain text)."""
    return kind in COUNTED_KINDS and channel_href(kind, value) is not None


def find_tap_target(session: Session, service_id: str, channel_id: int) -> TapTarget | None:
    """The channel ``channel_id`` of the published service ``service_id``, if its button is
    counted; None for anything else (unknown, another service's, a draft, unconfirmed)."""
    row = session.execute(
        select(ContactChannel.kind, ContactChannel.value)
        .join(Service, Service.id == ContactChannel.service_id)
        .where(
            ContactChannel.id == channel_id,
            ContactChannel.service_id == service_id,
            Service.status == "published",
            Service.contact_confirmed.is_(True),
        )
    ).one_or_none()
    href = channel_href(row.kind, row.value) if row is not None else None
    if row is None or href is None or row.kind not in COUNTED_KINDS:
        return None
    return TapTarget(service_id, channel_id, row.kind, href)


def count_tap(session: Session, target: TapTarget, *, now: datetime | None = None) -> None:
    """Add one to the service's count for the channel's kind today, in one atomic statement.

    On PostgreSQL the function the public role may execute (migration 0037) checks the channel
    again and takes the kind and the day (the database's clock, in Tokyo) itself, so the role
    can name neither; ``now`` is for SQLite's tests only.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT count_channel_tap(:service, :channel)"),
            {"service": target.service_id, "channel": target.channel_id},
        )
        return
    day = tokyo_today(now)
    statement = sqlite_insert(ChannelTapDay).values(
        service_id=target.service_id, channel_kind=target.kind, day=day, count=1
    )
    statement = statement.on_conflict_do_update(
        index_elements=[ChannelTapDay.service_id, ChannelTapDay.channel_kind, ChannelTapDay.day],
        set_={"count": ChannelTapDay.count + 1},
    )
    session.execute(statement)


def fiscal_year_start(today: date) -> date:
    """1 April of the fiscal year (April to March) that ``today`` is in."""
    return date(today.year if today.month >= 4 else today.year - 1, 4, 1)


def taps_between(
    session: Session, first: date, last: date, *, service_id: str | None = None
) -> dict[str, dict[str, int]]:
    """service id → channel kind → taps, from ``first`` to ``last`` (both included)."""
    statement = (
        select(ChannelTapDay.service_id, ChannelTapDay.channel_kind, func.sum(ChannelTapDay.count))
        .where(ChannelTapDay.day.between(first, last))
        .group_by(ChannelTapDay.service_id, ChannelTapDay.channel_kind)
    )
    if service_id is not None:
        statement = statement.where(ChannelTapDay.service_id == service_id)
    table: dict[str, dict[str, int]] = defaultdict(dict)
    for service, kind, total in session.execute(statement):
        table[service][kind] = int(total or 0)
    return dict(table)


@dataclass(frozen=True)
class TapFigures:
    """A service's taps per kind: the last `RECENT_DAYS` days and this fiscal year."""

    recent: dict[str, int]
    fiscal_year: dict[str, int]
    since: date  # the first of the recent days
    fiscal_year_from: date

    @property
    def any(self) -> bool:
        return bool(self.recent or self.fiscal_year)


def tap_text(counts: dict[str, int]) -> str:
    """Taps per kind as staff read them: 「LINE 12・チャット 3」, or 「0」."""
    shown = [f"{CHANNEL_KIND_LABELS[k]} {counts[k]}" for k in COUNTED_KINDS if counts.get(k)]
    return "・".join(shown) or "0"


def tap_figures(session: Session, today: date) -> dict[str, TapFigures]:
    """Every service with a tap this fiscal year or in the last `RECENT_DAYS` days."""
    since = today - timedelta(days=RECENT_DAYS - 1)
    fiscal = fiscal_year_start(today)
    recent = taps_between(session, since, today)
    year = taps_between(session, fiscal, today)
    return {
        service: TapFigures(recent.get(service, {}), year.get(service, {}), since, fiscal)
        for service in recent.keys() | year.keys()
    }


def service_tap_figures(session: Session, service_id: str, today: date) -> TapFigures:
    since = today - timedelta(days=RECENT_DAYS - 1)
    fiscal = fiscal_year_start(today)
    recent = taps_between(session, since, today, service_id=service_id).get(service_id, {})
    year = taps_between(session, fiscal, today, service_id=service_id).get(service_id, {})
    return TapFigures(recent, year, since, fiscal)


def counted_targets(session: Session) -> dict[tuple[str, int], str]:
    """(service id, channel id) → address of every counted button on the public pages: what
    a copy without the server (`tsunagu export-static`) links to directly."""
    rows = session.execute(
        select(ContactChannel.service_id, ContactChannel.id, ContactChannel.kind)
        .add_columns(ContactChannel.value)
        .join(Service, Service.id == ContactChannel.service_id)
        .where(Service.status == "published", Service.contact_confirmed.is_(True))
    )
    return {
        (service_id, channel_id): href
        for service_id, channel_id, kind, value in rows
        if is_counted(kind, value) and (href := channel_href(kind, value)) is not None
    }
