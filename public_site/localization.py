"""Language by URL: Japanese at ``/``, やさしい日本語 under ``/easy/``, English under ``/en/``.

No cookie, no guessing from the browser: the address alone says the language, so a page cached
for one address is right for everyone who asks for it. The languages are `core.i18n`'s; each
localized view is registered under every language's prefix when the app is made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, current_app, g, has_request_context, request, url_for
from flask.blueprints import BlueprintSetupState

from core.furigana import ruby
from core.i18n import DEFAULT_LANGUAGE, Language, language, languages
from directory.search.query import PARAMETERS
from public_site.readings import stored_readings

LOCALIZED = "localized"


def localized_route(bp: Blueprint, rule: str, **options: Any) -> Callable:
    """Register a view at ``rule`` (Japanese) and at ``/<code>`` + ``rule`` for each other
    language (read when the blueprint is registered on an app)."""

    def decorator(view: Callable) -> Callable:
        setattr(view, LOCALIZED, True)

        def register(state: BlueprintSetupState) -> None:
            for each in languages():
                state.add_url_rule(
                    prefix(each.code) + rule,
                    view_func=view,
                    defaults={"lang": each.code},
                    **options,
                )

        bp.record(register)
        return view

    return decorator


def prefix(code: str) -> str:
    return "" if code == DEFAULT_LANGUAGE else "/" + code


def current_language() -> str:
    """The page's language: from the matched route, else from the path (for error pages)."""
    if "lang" in g:
        return g.lang
    return path_language(request.path) if has_request_context() else DEFAULT_LANGUAGE


def path_language(path: str) -> str:
    """The language an address is in, by its prefix (``/en/privacy`` → ``en``)."""
    for each in languages():
        start = prefix(each.code)
        if start and (path == start or path.startswith(start + "/")):
            return each.code
    return DEFAULT_LANGUAGE


def page_language() -> Language:
    return language(current_language())


def language_url(lang: str, *, absolute: bool = False) -> str:
    """The current page in another language with the same query (the search's words, filters
    and page), or that language's home page; with ``absolute``, from the public base URL.
    Each is built once a request: a page asks for it in its switch and its alternate links."""
    built: dict[str, str] = g.setdefault("language_urls", {})
    path = built.get(lang)
    if path is None:
        path = built[lang] = _language_path(lang)
    if not absolute:
        return path
    return current_app.config["TSUNAGU_SETTINGS"].public_base_url.rstrip("/") + path


def _language_path(lang: str) -> str:
    endpoint = request.endpoint
    if endpoint and _is_localized(endpoint):
        # The query a page reads (a search's words, filters, page), not a tracking parameter.
        query = {k: v for k, v in request.args.to_dict(flat=False).items() if k in PARAMETERS}
        return url_for(endpoint, **{**query, **(request.view_args or {}), "lang": lang})
    return url_for("public.home", lang=lang)


def furigana(value: Any) -> Any:
    """Readings over kanji on pages whose language has them; anything else as it is."""
    if value is None or value == "" or not page_language().furigana:
        return value
    if not isinstance(value, str):
        return value
    return ruby(value, stored_readings())


def _is_localized(endpoint: str) -> bool:
    return getattr(current_app.view_functions.get(endpoint), LOCALIZED, False)


def init_localization(app: Flask) -> None:
    @app.url_value_preprocessor
    def pull_language(endpoint: str | None, values: dict[str, Any] | None) -> None:
        code = (values or {}).pop("lang", None)
        if code in {each.code for each in languages()}:
            g.lang = code

    @app.url_defaults
    def add_language(endpoint: str, values: dict[str, Any]) -> None:
        if _is_localized(endpoint):
            values.setdefault("lang", current_language())

    @app.context_processor
    def language_links() -> dict[str, Any]:
        here = page_language()
        return {
            "lang": here.code,
            "page_language": here,
            "site_languages": languages(),
            "language_url": language_url,
        }

    app.add_template_filter(furigana)
