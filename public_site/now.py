"""「いますぐ話したい」: the lines someone can talk to right now, at the top of every public page.

Which lines qualify is data: the services staff mark as crisis lines (`Service.is_crisis_line`).
The block lists those open at this moment, round-the-clock ones first, at most three, each one
tap away, then the profile's emergency numbers (119, 110). When none is open it says when the
next one opens. Error pages never query the database: they use the lines last read by this
process, or the profile file's emergency numbers alone.

The clock is ``app.config["TSUNAGU_CLOCK"]`` when set (a callable giving an aware datetime), so
a browser test can look at the site at 02:30 in Tokyo without touching the browser's clock. A
request reads it once (`request_now`): its page cache key, its block and its results all speak
of the same minute.

The block's data is worked out once a minute per process and content version
(`public_site.render_cache`), not on every page: a line opens or closes only at a minute.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g
from sqlalchemy.exc import SQLAlchemyError

from core.db import get_session
from core.profile import EmergencyNumber
from core.web import current_profile
from directory.hours import HoursStatus, service_status
from directory.queries import crisis_lines
from directory.search.summaries import ServiceSummary, SummaryChannel
from public_site.render_cache import remember

log = logging.getLogger(__name__)
CLOCK = "TSUNAGU_CLOCK"
TOKYO = ZoneInfo("Asia/Tokyo")
LAST_LINES = "tsunagu.crisis_lines"  # app.extensions: the lines last read, for error pages
MAX_LINES = 3  # more would push the emergency numbers off a phone's first screen
# The ways to reach a line that one tap opens, best first (a phone call needs no app).
ACTION_KINDS = ("phone", "line", "chat")
OPEN_STATES = ("open", "closing_soon")


@dataclass(frozen=True)
class NowLine:
    service: ServiceSummary
    status: HoursStatus
    action: SummaryChannel | None  # the one-tap link: a phone number, LINE or chat address

    @property
    def always(self) -> bool:
        """Open now and without a closing time in the next 14 days: a 24-hour line."""
        return self.status.state == "open" and self.status.closes_at is None


@dataclass(frozen=True)
class NowBlock:
    lines: tuple[NowLine, ...]  # open now, 24-hour ones first
    next_line: NowLine | None  # when none is open: the one that opens first
    emergency: tuple[EmergencyNumber, ...]
    crisis: bool = False  # the search told of wanting to die: say so gently, emphasise

    @property
    def always_line(self) -> NowLine | None:
        """A 24-hour line open now, for the help strip at the foot of the page."""
        return next((line for line in self.lines if line.always), None)


def clock() -> datetime:
    """Now, from the app's clock hook when a test set one."""
    hook: Callable[[], datetime] | None = current_app.config.get(CLOCK)
    return hook() if hook is not None else datetime.now(UTC)


def request_now() -> datetime:
    """This request's now: read once, so every part of a page tells of the same minute."""
    if "now" not in g:
        g.now = clock()
    return g.now


def request_minute() -> str:
    """This request's minute in Tokyo (`minute_of` of `request_now`), worked out once."""
    if "minute" not in g:
        g.minute = minute_of(request_now())
    return g.minute


def minute_of(moment: datetime) -> str:
    """The minute in Tokyo, as the page and render caches key what "open now" decides."""
    return moment.astimezone(TOKYO).strftime("%Y%m%d%H%M")


def now_block(
    services: Sequence[ServiceSummary], emergency: Sequence[EmergencyNumber], moment: datetime
) -> NowBlock:
    """The block's content at ``moment``: the open lines, or the next to open."""
    lines = [_line(service, moment) for service in services]
    reachable = [line for line in lines if line.action is not None]
    open_now = [line for line in reachable if line.status.state in OPEN_STATES]
    # Stable: round-the-clock lines first, then the staff's order.
    open_now.sort(key=lambda line: not line.always)
    upcoming = [line for line in reachable if line.status.next_opens_at is not None]
    next_line = None
    if not open_now and upcoming:
        next_line = min(upcoming, key=lambda line: line.status.next_opens_at or moment)
    return NowBlock(tuple(open_now[:MAX_LINES]), next_line, tuple(emergency))


def _line(service: ServiceSummary, moment: datetime) -> NowLine:
    # A contact its sources leave in doubt is never a link (`Service.contact_confirmed`): such
    # a line waits, out of the block, until staff confirm it.
    confirmed = service.contact_confirmed
    actions = [c for c in service.channels if confirmed and c.kind in ACTION_KINDS and c.href]
    actions.sort(key=lambda c: ACTION_KINDS.index(c.kind))
    return NowLine(service, service_status(service, moment), actions[0] if actions else None)


def block_for_request() -> NowBlock:
    """This request's block; on an error page, or when the database fails, without a query."""
    if "now_block" not in g:
        g.now_block = _block(request_now())
    return g.now_block


def _block(moment: datetime) -> NowBlock:
    last: list[ServiceSummary] = current_app.extensions.get(LAST_LINES, [])
    if g.get("error_page"):
        return now_block(last, current_profile().emergency_numbers, moment)
    try:
        return remember("data", "now_block", lambda: _fresh_block(moment), minute=minute_of(moment))
    except SQLAlchemyError:
        log.exception("could not read the crisis lines; showing the emergency numbers")
        get_session().rollback()
        return now_block(last, current_profile().emergency_numbers, moment)


def _fresh_block(moment: datetime) -> NowBlock:
    """Raises SQLAlchemyError when the lines cannot be read: a fallback is never kept."""
    lines = crisis_lines(get_session())
    current_app.extensions[LAST_LINES] = lines
    return now_block(lines, current_profile().emergency_numbers, moment)


def init_now(app: Flask) -> None:
    """Give every template of the public site ``now_block`` (read only when a page uses it)."""

    @app.context_processor
    def now_context() -> dict[str, Any]:
        return {"now_block": block_for_request}
