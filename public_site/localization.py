"""Language by URL: Japanese at ``/``, English under ``/en/``. No cookie, no guessing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, current_app, g, has_request_context, request, url_for

from core.i18n import DEFAULT_LANGUAGE, LANGUAGES

LOCALIZED = "localized"


def localized_route(bp: Blueprint, rule: str, **options: Any) -> Callable:
    """Register a view at ``rule`` (Japanese) and at ``/en`` + ``rule`` (English)."""

    def decorator(view: Callable) -> Callable:
        setattr(view, LOCALIZED, True)
        bp.add_url_rule(rule, view_func=view, defaults={"lang": "ja"}, **options)
        bp.add_url_rule("/en" + rule, view_func=view, defaults={"lang": "en"}, **options)
        return view

    return decorator


def current_language() -> str:
    """The page's language: from the matched route, else from the path (for error pages)."""
    if "lang" in g:
        return g.lang
    if has_request_context() and (request.path == "/en" or request.path.startswith("/en/")):
        return "en"
    return DEFAULT_LANGUAGE


def language_url(lang: str) -> str:
    """The current page in another language, or that language's home page."""
    endpoint = request.endpoint
    if endpoint and _is_localized(endpoint):
        return url_for(endpoint, lang=lang, **(request.view_args or {}))
    return url_for("public.home", lang=lang)


def _is_localized(endpoint: str) -> bool:
    return getattr(current_app.view_functions.get(endpoint), LOCALIZED, False)


def init_localization(app: Flask) -> None:
    @app.url_value_preprocessor
    def pull_language(endpoint: str | None, values: dict[str, Any] | None) -> None:
        lang = (values or {}).pop("lang", None)
        if lang in LANGUAGES:
            g.lang = lang

    @app.url_defaults
    def add_language(endpoint: str, values: dict[str, Any]) -> None:
        if _is_localized(endpoint):
            values.setdefault("lang", current_language())

    @app.context_processor
    def language_links() -> dict[str, Any]:
        return {"lang": current_language(), "language_url": language_url}
