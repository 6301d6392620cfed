"""``/go/<service>/<channel>``: count one tap on a LINE, chat or web button, then go there.

The public pages' buttons for those channels point here (`channel_link`); this answers 303 with
the channel's stored address, read from the database and never from the request, and only for
a channel the pages show as a counted button (`directory.taps.find_tap_target`): anything else
is a 404, uncounted, so it can never send anyone to an address we did not publish. It counts the
service, the kind and the day and nothing else: no address, browser, referrer, cookie or time of
day (`directory.taps`). Not counted: a HEAD, a prefetch or prerender (``Sec-Purpose`` or
``Purpose``), and taps beyond `TAPS_PER_MINUTE` a minute per channel (the card scans' limit,
`cards.throttle`, under its own key). A lost count never costs anyone the way to help: every
failure to count is only logged, and the browser still goes on.

Phone numbers stay plain ``tel:`` links (`directory.taps` says why), and so do all links in the
static mirror (`public_site.export_static`), which has no server to count.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask.blueprints import BlueprintSetupState
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from cards.throttle import ScanThrottle
from core.db import get_session
from directory.taps import TapTarget, count_tap, find_tap_target, is_counted

bp = Blueprint("go", __name__)
log = logging.getLogger(__name__)
THROTTLE = "tsunagu.tap_throttle"
TAPS_PER_MINUTE = 30  # per channel: far above what people tapping one button could reach
KEY_PREFIX = "tsunagu-channel-tap"
PREFETCH = ("prefetch", "prerender")


@bp.record_once
def _make_throttle(state: BlueprintSetupState) -> None:
    settings = state.app.config["TSUNAGU_SETTINGS"]
    state.app.extensions[THROTTLE] = ScanThrottle(
        settings.ratelimit_storage_uri, per_minute=TAPS_PER_MINUTE, prefix=KEY_PREFIX
    )


@bp.app_template_global()
def channel_link(service: Any, channel: Any) -> str | None:
    """The href of a channel's button: ``/go/...`` for a counted kind, else its own link.

    ``channel`` is a `ContactChannel` or a result summary's channel; a summary stored before
    channels kept their id has none, and links straight to the channel.
    """
    href: str | None = channel.href
    channel_id = getattr(channel, "id", None)
    if href is None or not channel_id or not is_counted(channel.kind, channel.value):
        return href
    return url_for("go.tap", service_id=service.id, channel_id=channel_id)


@bp.route("/go/<service_id>/<int:channel_id>", methods=["GET"])
def tap(service_id: str, channel_id: int) -> Response:
    db = get_session()
    target = find_tap_target(db, service_id[:64], channel_id)
    if target is None:
        abort(404)
    if request.method == "GET" and not _prefetch():
        _count(db, target)
    response = redirect(target.href, code=303)
    # Never from a cache (each tap must reach us to be counted; shared devices keep no trace),
    # and the page it leads to is told nothing of where the visitor came from.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _prefetch() -> bool:
    """A browser fetching ahead, not a person tapping: ``Sec-Purpose: prefetch`` (Chromium),
    ``Purpose: prefetch`` (older Chromium, Safari), prerender likewise."""
    purpose = " ".join(request.headers.getlist("Sec-Purpose") + request.headers.getlist("Purpose"))
    return any(word in purpose.lower() for word in PREFETCH)


def _count(db: Session, target: TapTarget) -> None:
    try:
        allowed = current_app.extensions[THROTTLE].allow(target.channel_id)
    except Exception:  # the limit's storage unreachable (any error): uncounted, still sent on
        log.exception("could not check the channel tap limit")
        return
    if not allowed:
        return
    try:
        count_tap(db, target)
        db.commit()
    except SQLAlchemyError:
        db.rollback()
        log.exception("could not count a channel tap")
