"""Where a guidance card's QR code leads, and the generic card anyone may print.

``/c/<code>`` counts one scan for the code's batch and day, and nothing else: no address, no
browser, no cookie. It is a page that helps, not a redirect: someone without the LINE app still
finds the other channels and the emergency numbers. Unknown and retired codes show the same
help, uncounted, with status 404.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, g, render_template, request
from sqlalchemy.exc import SQLAlchemyError
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
from core.db import get_session
from core.web import current_profile
from directory.hours import service_status
from directory.queries import home_channels
from public_site.localization import localized_route

bp = Blueprint("cards", __name__)
log = logging.getLogger(__name__)


@localized_route(bp, "/c/<code>")
def scan(code: str) -> tuple[str, int, dict[str, str]]:
    db = get_session()
    target = find_scan_target(db, clean_code(code[:64]) or "")
    counted = target is not None and target.active
    # Only the address printed on cards counts: not a HEAD from a link preview, not the
    # English version someone switches to after arriving.
    if counted and request.method == "GET" and g.get("lang") == "ja":
        try:
            count_scan(db, target.id)
            db.commit()
        except SQLAlchemyError:  # a lost count must never cost someone the help below
            db.rollback()
            log.exception("could not count a card scan")
    channels = home_channels(db)
    now = datetime.now(UTC)
    statuses = {s.id: service_status(s, now) for group in channels.values() for s in group}
    html = render_template("public/scan.html", channels=channels, statuses=statuses)
    # Never from a cache: every scan must reach us to be counted, and shared devices keep
    # no copy of where someone went for help.
    return html, 200 if counted else 404, {"Cache-Control": "no-store"}


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
