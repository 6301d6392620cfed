"""Help that stays up offline: the web app manifest, the service worker and its fallback page.

The worker (`core/static/js/offline-worker.js`, registered by `offline.js`) keeps on the
person's own device the home pages, the offline page below and the last pages they viewed, and
shows them when the site cannot be reached; each page then says since when its numbers date
(`public/_offline_note.html`). Nothing about the person is kept, only pages anyone can see.

- ``/sw.js`` is served from the site's root because a worker controls only the addresses under
  its own: at ``/static/`` it would cover no page. It is the worker's file with its settings
  first (what to keep at install, under which addresses), so any change to a kept file's
  fingerprint changes its bytes and browsers install it again. ``no-cache`` with an ETag: the
  browser asks each time, and a 304 costs nothing.
- None of these is in the page cache's lists (`public_site.page_cache`): the worker and the
  manifest are not pages, and the offline page is fetched by a worker once in a while.
- The CSP needs nothing more: ``worker-src`` and ``manifest-src`` fall back to
  ``script-src 'self'`` and ``default-src 'self'``.
"""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from core.db import get_session
from core.i18n import language, languages
from core.timezone import TOKYO
from core.web import STATIC_FOLDER, current_profile, static_url
from directory.queries import crisis_lines
from public_site.localization import current_language, localized_route
from public_site.now import request_now

bp = Blueprint("offline", __name__)
WORKER_SOURCE = STATIC_FOLDER / "js" / "offline-worker.js"
# What every kept page needs to show as it was (the pages name them with their fingerprints).
ASSETS = ("css/site.css", "js/quick-exit.js", "js/offline.js", "img/favicon.svg")
VIEWED_PAGES = 20  # the last pages viewed that the worker keeps: enough, and small
REFRESH_HOURS = 12  # the home and offline pages are fetched again after this long
# The back office, when both apps answer on one address (`make run`): never the worker's; nor
# a counted tap (`public_site.go`), which leads to another site and must reach the server.
NOT_HANDLED = ("/staff", "/go")


@bp.route("/sw.js")
def worker() -> Response:
    settings = {
        "assets": [static_url(name) for name in ASSETS],
        "homes": {each.code: url_for("public.home", lang=each.code) for each in languages()},
        "fallbacks": {each.code: url_for(".page", lang=each.code) for each in languages()},
        "staticPrefix": url_for("static", filename=""),
        "notHandled": [request.script_root + path for path in NOT_HANDLED],
        "viewedPages": VIEWED_PAGES,
        "refreshHours": REFRESH_HOURS,
    }
    text = json.dumps(settings, ensure_ascii=False, sort_keys=True)
    settings["version"] = hashlib.sha256(text.encode()).hexdigest()[:12]
    head = "self.TSUNAGU_OFFLINE = " + json.dumps(settings, ensure_ascii=False) + ";\n"
    body = head + WORKER_SOURCE.read_text(encoding="utf-8")
    response = current_app.response_class(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)


@localized_route(bp, "/manifest.webmanifest")
def manifest() -> Response:
    profile = current_profile()
    here = language(current_language())
    city = profile.name if here.japanese or not profile.name_en else profile.name_en
    data = {
        "name": f"{_('つなぐ')} {city}",
        "short_name": _("つなぐ"),
        "description": _("つらい気持ちや困りごとを相談できる窓口の案内です。"),
        "lang": here.html_lang,
        "start_url": url_for("public.home"),
        "scope": url_for("public.home", lang="ja"),
        # A shortcut that opens in the browser, not an app window: the quick exit and the
        # back button then behave as on the site.
        "display": "browser",
        "background_color": "#ffffff",
        "icons": [{"src": static_url("img/favicon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }
    body = json.dumps(data, ensure_ascii=False)
    response = current_app.response_class(body, mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.add_etag()
    return response.make_conditional(request)


@localized_route(bp, "/offline")
def page() -> str:
    """What the worker shows for a page it does not hold: the numbers, as of when it saved this."""
    saved = request_now().astimezone(TOKYO).date()
    return render_template("public/offline.html", lines=crisis_lines(get_session()), saved=saved)
