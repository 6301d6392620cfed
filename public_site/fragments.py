"""Results and the search page's data, kept per minute and content version in each process.

A search nobody else made this minute is rendered in full, but its parts are mostly the same as
the last search's: the same services' summaries in the same minute, the same topics and languages
in the filters, the same profile. `public_site.render_cache` keeps them; this module says what
each is keyed by (besides the content version and, for what tells "open now", the minute).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, NamedTuple

from flask import Flask, current_app, g, request
from flask_babel import get_translations
from jinja2 import pass_context
from jinja2.ext import _gettext_alias
from jinja2.runtime import Context
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

from core.db import get_session
from core.furigana import ruby
from core.i18n import language
from core.profile import get_profile
from directory.crisis import is_crisis_query
from directory.hours import HoursStatus, WithHours, service_status
from directory.queries import consultation_languages, topics
from directory.search.query import SearchQuery
from directory.search.results import SearchResult, search_services
from public_site.localization import current_language
from public_site.now import minute_of, request_minute
from public_site.readings import stored_readings
from public_site.render_cache import remember

PROFILE_EXTENSION = "tsunagu.profile"  # the file copy core.web keeps (the fallback)
MAX_TRANSLATIONS = 4096  # texts kept by `_` (the templates hold a few hundred per language)


class Topic(NamedTuple):
    """A topic as the filters show it: plain values, so one list serves every request."""

    code: str
    name: str
    name_en: str | None


class StatusMap:
    """The state of each shown service at ``moment``, worked out when its summary asks for it:
    a summary kept from earlier in the minute asks nothing."""

    def __init__(self, services: Iterable[WithHours], moment: datetime) -> None:
        self._services = {service.id: service for service in services}
        self._moment = moment
        self._found: dict[str, HoursStatus] = {}

    def get(self, service_id: str, default: HoursStatus | None = None) -> HoursStatus | None:
        service = self._services.get(service_id)
        if service is None:
            return default
        if service_id not in self._found:
            self._found[service_id] = service_status(service, self._moment)
        return self._found[service_id]


def cached_summary(
    render: Callable[..., Markup], service: Any, heading_level: int, statuses: StatusMap
) -> Markup:
    """``render(service, heading_level, status)`` (the `service_summary` macro), kept for the
    minute: everything it shows comes from the service (content version), its state (the
    minute) and the page's language; its link, also from where the site is mounted."""
    key = (type(service).__name__, service.id, heading_level, current_language())
    key += (request.script_root,)
    return remember(
        "summary",
        key,
        lambda: render(service, heading_level, statuses.get(service.id)),
        minute=request_minute(),
    )


def cached_fragment(
    name: str, *parts: Any, sources: tuple[Any, ...] = (), clock: bool = False, caller: Any
) -> Markup:
    """The HTML of a template's ``{% call cached_fragment(...) %}`` block, kept.

    A block the same for many pages (the filters, the 「いますぐ話したい」 block, the help strip,
    the footer) is kept under its ``name``, its ``parts`` (every value the block reads that is
    neither the content version nor the language; lists are kept as tuples), the language and
    where the site is mounted (its links), and, with ``clock``, the minute. ``sources``: the
    objects the block shows (the profile, the block's lines), which this process keeps per
    content version and minute: a copy kept from other ones (the profile file, the lines last
    read, when the database failed) is never served; the block is rendered again instead.
    An error page renders every block.
    """
    if g.get("error_page"):
        return caller()
    key = (name, current_language(), request.script_root, *map(_hashable, parts))
    kept = remember(
        "html",
        key,
        lambda: (sources, caller()),
        minute=request_minute() if clock else "",
        valid=lambda value: _same(value[0], sources),
    )
    return kept[1]


def _hashable(value: Any) -> Any:
    """A list as a tuple (a template's lists: topics, languages, districts)."""
    return tuple(value) if isinstance(value, list) else value


def _same(kept: tuple[Any, ...], sources: tuple[Any, ...]) -> bool:
    return len(kept) == len(sources) and all(a is b for a, b in zip(kept, sources, strict=True))


def found_services(query: SearchQuery, moment: datetime) -> SearchResult:
    """The search's result, kept for the minute: the same search made again this minute (with
    another tracking parameter, the parameters in another order, in the other language) is
    not run again. Its order depends on the words, the filters and what is open this minute."""
    return remember(
        "search",
        query,
        lambda: search_services(get_session(), query, now=moment),
        minute=minute_of(moment),
    )


def filter_topics() -> list[Topic]:
    found = remember("data", "topics", lambda: _topics())
    return list(found)


def _topics() -> tuple[Topic, ...]:
    return tuple(Topic(t.code, t.name, t.name_en) for t in topics(get_session()))


def languages_offered() -> list[str]:
    return list(remember("data", "languages", lambda: tuple(consultation_languages(get_session()))))


def is_crisis_search(text: str) -> bool:
    if not text.strip():
        return False
    return remember("words", text, lambda: is_crisis_query(get_session(), text))


def remember_profile() -> None:
    """The stored profile as read once per content version, for `core.web.current_profile` to
    find; on a database error that reads it itself (and falls back to the file copy)."""
    if "profile" in g or g.get("error_page"):
        return
    fallback = current_app.extensions[PROFILE_EXTENSION]
    try:
        g.profile = remember("data", "profile", lambda: get_profile(get_session(), fallback))
    except SQLAlchemyError:
        get_session().rollback()


def quick_gettext(translated: dict[tuple[str, str, bool], Markup]) -> Callable[..., Any]:
    """Jinja's ``_`` as Flask-Babel installs it, with each text translated once per language.

    The installed one finds the request's translations anew for every text (several context
    lookups each; a search page has some forty texts). The language is the template's
    ``lang``, which is what the locale selector returns (`public_site.localization`). Same
    result: a Markup of the translation, always used as a format string. On pages with
    furigana (easy Japanese) the translation gets its readings (`core.furigana`) before the
    variables go in, and each plain-text variable gets its own; a Markup variable is kept.
    """

    @pass_context
    def gettext(context: Context, string: str, **variables: Any) -> Any:
        # A macro imported without context has no ``lang``: the request's language then.
        lang = context.get("lang") or current_language()
        if not isinstance(lang, str) or not context.eval_ctx.autoescape:
            return _gettext_alias(context, string, **variables)
        key = (lang, string, bool(variables))
        found = translated.get(key)
        readings = language(lang).furigana
        if found is None:
            # Trusted as Jinja's own `_` trusts it: the translators' text, not a visitor's.
            found = Markup(get_translations().ugettext(string))  # noqa: S704
            if not variables:
                found = found % variables  # as Jinja's: always a format string ("%%" is "%")
            if readings:
                found = ruby(found, stored_readings())
            if len(translated) < MAX_TRANSLATIONS:
                translated[key] = found
        if not variables:
            return found
        if readings:
            variables = {name: _with_readings(value) for name, value in variables.items()}
        return found % variables

    return gettext


def _with_readings(value: Any) -> Any:
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return ruby(value, stored_readings())


def init_fragments(app: Flask) -> None:
    app.add_template_global(cached_summary)
    app.add_template_global(cached_fragment)
    app.jinja_env.globals["_"] = quick_gettext({})
