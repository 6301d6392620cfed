"""The public directory: search with filters, a page per service and per topic."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from flask import Blueprint, abort, current_app, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from core.db import get_session
from core.qr import qr_svg
from core.web import current_profile
from directory.crisis import wish_query
from directory.hours import service_status, weekly_table
from directory.queries import home_channels, published_service, topic_by_code
from directory.search.query import PARAMETERS, SearchQuery
from directory.search.results import search_services
from public_site.fragments import (
    StatusMap,
    filter_topics,
    found_services,
    init_fragments,
    is_crisis_search,
    languages_offered,
    remember_profile,
)
from public_site.localization import current_language, localized_route
from public_site.now import init_now, request_now

bp = Blueprint("directory", __name__)
# Every public page, error pages included, gets the 「いますぐ話したい」 block's data; result
# summaries are kept per minute (`public_site.fragments`).
bp.record_once(lambda state: init_now(state.app))
bp.record_once(lambda state: init_fragments(state.app))


def _now() -> datetime:
    return request_now()


@localized_route(bp, "/directory")
def search() -> str:
    # A search nobody made this minute is rendered: what it shares with other searches (the
    # profile, the filters' topics and languages, each summary, the same search's result under
    # another address) is kept per content version and minute (`public_site.fragments`).
    db = get_session()
    remember_profile()
    districts = current_profile().districts
    query = SearchQuery.from_args(
        request.args, districts=districts, page_language=current_language()
    )
    now = _now()
    crisis = is_crisis_search(query.text)
    if crisis:  # the lines open now first, whatever the words
        query = replace(query, open_first=True)
    result = found_services(query, now)
    if crisis and not result.items:
        result = found_services(wish_query(query), now)
    help_channels = home_channels(db) if not result.items else {}
    shown = [*result.items, *(s for group in help_channels.values() for s in group)]
    return render_template(
        "public/directory.html",
        query=query,
        districts=districts,
        result=result,
        statuses=StatusMap(shown, now),
        topics=filter_topics(),
        # English always, so that someone who needs it learns where to look when none offers it.
        languages=list(dict.fromkeys(["en", *languages_offered(), *query.languages])),
        loosen=_loosen_links(result.relaxed),
        page_url=_page_url,
        help_channels=help_channels,
        # The words tell of wanting to die: the block at the top (base.html) says so gently.
        crisis=crisis,
    )


@localized_route(bp, "/directory/services/<service_id>")
def service(service_id: str) -> str:
    found = published_service(get_session(), service_id)
    if found is None:
        abort(404)
    base = current_app.config["TSUNAGU_SETTINGS"].public_base_url.rstrip("/")
    here = base + url_for(".service", service_id=found.id)
    return render_template(
        "public/service.html",
        service=found,
        status=service_status(found, _now()),
        week=weekly_table(found),
        qr=qr_svg(here, "このページのQRコード"),
        page_link=here,
    )


@localized_route(bp, "/directory/topics/<code>")
def topic(code: str) -> str:
    db = get_session()
    term = topic_by_code(db, code)
    if term is None:
        abort(404)
    query = SearchQuery.from_args(
        MultiDict({"topics": code, "page": request.args.get("page", "1")}),
        page_language=current_language(),
    )
    result = search_services(db, query, now=_now())
    return render_template(
        "public/topic.html",
        term=term,
        result=result,
        statuses={s.id: service_status(s, _now()) for s in result.items},
        page_url=_page_url,
    )


def search_args() -> dict[str, list[str]]:
    """The request's arguments a search reads (`PARAMETERS`), nothing else."""
    return {k: v for k, v in request.args.to_dict(flat=False).items() if k in PARAMETERS}


def _page_url(page: int) -> str:
    args = search_args()
    args["page"] = [str(page)]
    return url_for(request.endpoint or ".search", **(request.view_args or {}), **args)


def _loosen_links(relaxed: list[str]) -> list[tuple[str, str]]:
    """For each filter whose removal would give results: its name and the URL without it."""
    links = []
    for name in relaxed:
        dropped = {"q", "text"} if name == "text" else {name}
        args = {k: v for k, v in search_args().items() if k not in dropped | {"page"}}
        links.append((name, url_for(".search", **args)))
    return links
