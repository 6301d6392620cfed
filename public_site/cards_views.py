"""Where a guidance card's QR code leads, and the generic card anyone may print.

``/c/<code>`` counts one scan for the code's batch and day, and nothing else: no address, no
browser, no cookie. It is a page that helps, not a redirect: someone without the LINE app still
finds the other channels and the emergency numbers. Unknown and retired codes show the same
help, uncounted, with status 404. Only the address printed on cards counts: a code typed in
capitals or with spaces is sent there first, and each batch counts at most
`cards.throttle.SCAN_COUNTS_PER_MINUTE` scans a minute (beyond that, the help, uncounted).
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from cards.batches import (
    clean_code,
    count_scan,
    find_scan_target,
    public_download_target,
    scan_url,
)
from cards.designs import profile_design, public_card_design
from cards.files import PUBLIC_FILES, render_cached
from cards.fonts import FontMissing
from cards.throttle import ScanThrottle
from core.db import get_session
from core.web import current_profile
from directory.hours import service_status
from directory.queries import home_channels
from public_site.localization import localized_route
from public_site.now import request_now

bp = Blueprint("cards", __name__)
log = logging.getLogger(__name__)
THROTTLE = "tsunagu.scan_throttle"
NO_STORE = {"Cache-Control": "no-store"}


@bp.record_once
def _make_throttle(state: BlueprintSetupState) -> None:
    settings = state.app.config["TSUNAGU_SETTINGS"]
    state.app.extensions[THROTTLE] = ScanThrottle(settings.ratelimit_storage_uri)


@localized_route(bp, "/c/<code>")
def scan(code: str) -> tuple[str, int, dict[str, str]] | Response:
    canonical = clean_code(code[:64])
    if canonical is not None and canonical != code:
        # One address per batch, the printed one, so a typed variant is counted as that one.
        response = redirect(url_for(".scan", code=canonical))
        response.headers.update(NO_STORE)  # shared devices keep no trace of it
        return response
    db = get_session()
    target = find_scan_target(db, canonical or "")
    counted = target is not None and target.active
    # Only the address printed on cards counts: not a HEAD from a link preview, not the
    # English version someone switches to after arriving.
    if counted and request.method == "GET" and g.get("lang") == "ja":
        _count(db, target.id)
    channels = home_channels(db)
    now = request_now()
    statuses = {s.id: service_status(s, now) for group in channels.values() for s in group}
    html = render_template("public/scan.html", channels=channels, statuses=statuses)
    # Never from a cache: every scan must reach us to be counted, and shared devices keep
    # no copy of where someone went for help.
    return html, 200 if counted else 404, NO_STORE


def _count(db: Session, batch_id: int) -> None:
    """Count a scan if the batch's budget for this minute allows; a lost count must never
    cost someone the help the page shows, so every failure here is only logged."""
    try:
        allowed = current_app.extensions[THROTTLE].allow(batch_id)
    except Exception:  # the limit's storage unreachable (any error): uncounted, still helped
        log.exception("could not check the card scan limit")
        return
    if not allowed:
        return
    try:
        count_scan(db, batch_id)
        db.commit()
    except SQLAlchemyError:
        db.rollback()
        log.exception("could not count a card scan")


@localized_route(bp, "/cards")
def cards_page() -> str:
    target = public_download_target(get_session())
    return render_template("public/cards.html", ready=target is not None, files=PUBLIC_FILES)


@bp.route("/cards/generic/<kind>")
def download(kind: str) -> Response:
    """A file of the generic card; its QR code belongs to the public-download batch."""
    if kind not in PUBLIC_FILES:
        abort(404)
    db = get_session()
    target = public_download_target(db)
    fallback = profile_design(db, current_profile())
    design = public_card_design(db, target.design_id, fallback) if target is not None else None
    if target is None or design is None:
        abort(404)
    settings = current_app.config["TSUNAGU_SETTINGS"]
    card_file = PUBLIC_FILES[kind]
    url = scan_url(settings.public_base_url, target.code)
    try:
        body = render_cached(design, url, kind, settings.card_font_path or None)
    except (FontMissing, ValueError):  # no Japanese font here, or a design that cannot print
        log.exception("could not render the generic card")
        abort(503)
    response = current_app.response_class(body, mimetype=card_file.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{card_file.filename}"'
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
