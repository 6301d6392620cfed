"""Printable lists: a search's or a topic's services on paper, as a page and as an A4 PDF.

``/directory/print?<the search's arguments>`` and ``/directory/print/topics/<code>`` list
every result (up to `directory.printable.MAX_PRINTED`, with a note when there are more) in the
search's order, with what paper can hold: names, phones and other ways as text, each week in a
line or two, a QR code to each service's page, the crisis lines and emergency numbers first,
the date and the city's contact. ``?format=pdf`` gives the same list as an A4 PDF.

Both are public pages like the others (no cookie, kept by the page cache for the minute: the
cache is bounded in bytes, so a PDF of a few hundred KiB is kept among the pages). A PDF takes
far longer to make than a page, so the PDFs rendered (not those served from the cache) share
one budget a minute across workers (`cards.throttle`, keyed by nothing about the person);
beyond it, the printable page is sent instead, from which the browser prints the same list.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import format_date, gettext
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from cards.fonts import FontMissing
from cards.list_pdf import render_list_pdf
from cards.throttle import ScanThrottle
from core.db import get_session
from core.furigana import plain_text
from core.qr import qr_svg
from core.web import current_profile
from directory.crisis import wish_query
from directory.models import CHANNEL_KINDS
from directory.printable import (
    PrintDocument,
    PrintedList,
    PrintEntry,
    print_entries,
    searched_services,
    text_in,
)
from directory.queries import crisis_lines, topic_by_code
from directory.search.query import PARAMETERS, SearchQuery
from public_site.fragments import is_crisis_search
from public_site.labels import channel_kind_label
from public_site.localization import current_language, localized_route, page_language
from public_site.now import TOKYO, request_now

bp = Blueprint("print_lists", __name__)
log = logging.getLogger(__name__)
THROTTLE = "tsunagu.print_throttle"
PDF_RENDERS_PER_MINUTE = 20  # each takes a fraction of a second; far above a city's counters
PDF_CACHE_SECONDS = 300


@bp.record_once
def _make_throttle(state: BlueprintSetupState) -> None:
    settings = state.app.config["TSUNAGU_SETTINGS"]
    state.app.extensions[THROTTLE] = ScanThrottle(
        settings.ratelimit_storage_uri, per_minute=PDF_RENDERS_PER_MINUTE, prefix="tsunagu-pdf"
    )


@localized_route(bp, "/directory/print")
def search_list() -> str | Response:
    query = SearchQuery.from_args(
        request.args, districts=current_profile().districts, page_language=current_language()
    )
    crisis = is_crisis_search(query.text)
    if crisis:  # in the order of the page it prints
        query = replace(query, open_first=True)
    found = searched_services(get_session(), query, now=request_now())
    if not found.services and crisis:
        found = searched_services(get_session(), wish_query(query), now=request_now())
    return _answer(found, gettext("支援機関の一覧"))


@localized_route(bp, "/directory/print/topics/<code>")
def topic_list(code: str) -> str | Response:
    term = topic_by_code(get_session(), code)
    if term is None:
        abort(404)
    query = SearchQuery.from_args(MultiDict({"topics": code}), page_language=current_language())
    found = searched_services(get_session(), query, now=request_now())
    name = term.name_en if page_language().code == "en" and term.name_en else term.name
    return _answer(found, gettext("%(topic)sの相談先", topic=name))


def _answer(found: PrintedList, title: str) -> str | Response:
    document = _document(found, title)
    if request.args.get("format") == "pdf":
        return _pdf(document)
    return render_template(
        "print/list.html",
        document=document,
        found=found,
        qrs={e.service.id: qr_svg(e.url, _qr_label(e, document)) for e in document.entries},
        pdf_url=_same_list(format="pdf"),
        back_url=_back_url(),
    )


def _qr_label(entry: PrintEntry, document: PrintDocument) -> str:
    return f"{text_in(entry.service, 'name', document.language)} QR"


def _document(found: PrintedList, title: str) -> PrintDocument:
    db, language = get_session(), page_language().code
    base = current_app.config["TSUNAGU_SETTINGS"].public_base_url.rstrip("/")

    def url_of(service_id: str) -> str:
        return base + url_for("directory.service", service_id=service_id)

    today = request_now().astimezone(TOKYO).date()
    notes = ()
    if found.capped:
        notes = (_capped_note(len(found.services), found.total),)
    return PrintDocument(
        title=plain_text(title),
        language=language,
        as_of=gettext("%(date)s時点", date=format_date(today, "long")),
        urgent=tuple(print_entries(crisis_lines(db), language, url_of)),
        profile=current_profile(),
        entries=tuple(print_entries(found.services, language, url_of)),
        notes=notes,
        labels=labels(),
        day=today,
    )


def _capped_note(shown: int, total: int) -> str:
    return gettext("最初の%(shown)d件を載せています（全%(total)d件）。", shown=shown, total=total)


def labels() -> dict[str, str]:
    """The words around a printed list's data, in the page's language, without readings."""
    words = {
        "urgent": gettext("いますぐ話したい"),
        "emergency": gettext("いま、命の危険が迫っているとき"),
        "hours": gettext("受付時間:"),
        "contact": gettext("お問い合わせ"),
        "qr": gettext("QRコードを読み取ると、その相談先のページが開きます。"),
    }
    kinds = {f"kind:{kind}": plain_text(channel_kind_label(kind)) for kind in CHANNEL_KINDS}
    return words | kinds


def _pdf(document: PrintDocument) -> Response:
    try:
        allowed = current_app.extensions[THROTTLE].allow(0)  # one budget for every list
    except Exception:  # the limit's storage unreachable: render, as a page would be
        log.exception("could not check the PDF render limit")
        allowed = True
    if not allowed:
        response = redirect(_same_list(), code=303)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Retry-After"] = "60"
        return response
    settings = current_app.config["TSUNAGU_SETTINGS"]
    try:
        body = render_list_pdf(document, settings.card_font_path or None)
    except FontMissing:
        log.exception("could not render a printable list")
        abort(503)
    response = current_app.response_class(body, mimetype="application/pdf")
    filename = _filename(document.day)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = f"public, max-age={PDF_CACHE_SECONDS}"
    return response


def _filename(day: date | None) -> str:
    return f"tsunagu-list-{day.isoformat() if day else 'today'}.pdf"


def _same_list(**extra: str) -> str:
    """This list's address with only the arguments a search reads (and ``extra``)."""
    args = {k: v for k, v in request.args.to_dict(flat=False).items() if k in PARAMETERS}
    args.pop("page", None)
    return url_for(request.endpoint or ".search_list", **(request.view_args or {}), **args, **extra)


@bp.app_template_global()
def print_list_url() -> str:
    """The printable list of the search or topic page being shown: the same arguments a
    search reads (never a tracking parameter), from the first result."""
    if request.endpoint == "directory.topic":
        return url_for("print_lists.topic_list", **(request.view_args or {}))
    args = {k: v for k, v in request.args.to_dict(flat=False).items() if k in PARAMETERS}
    args.pop("page", None)
    return url_for("print_lists.search_list", **args)


def _back_url() -> str:
    """The search or topic page this list was printed from."""
    args = {k: v for k, v in request.args.to_dict(flat=False).items() if k in PARAMETERS}
    if request.endpoint == "print_lists.topic_list":
        return url_for("directory.topic", **(request.view_args or {}))
    return url_for("directory.search", **args)
