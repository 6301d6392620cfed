"""Small helpers the tests share."""

from __future__ import annotations

import re

from flask import Flask
from werkzeug.routing import IntegerConverter, Rule


def get_urls(app: Flask) -> list[str]:
    """A concrete URL for every GET route of the app (static gets a real file)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()):
            continue
        urls.append(_build(rule))
    return sorted(set(urls))


def build_url(rule: Rule, known: dict[str, object] | None = None, number: int = 1) -> str:
    """A concrete URL for a rule: ``known`` values by argument name, else placeholders."""
    return _build(rule, number, known or {})


def _build(rule: Rule, number: int = 1, known: dict[str, object] | None = None) -> str:
    values: dict[str, object] = {"filename": "css/site.css"} if rule.endpoint == "static" else {}
    values.update(rule.defaults or {})
    values.update({k: v for k, v in (known or {}).items() if k in rule.arguments})
    for argument in rule.arguments - set(values):
        numeric = isinstance(rule._converters[argument], IntegerConverter)
        values[argument] = number if numeric else "x"
    return rule.build(values, append_unknown=False)[1]  # type: ignore[index]


PHRASE_MARKUP = re.compile(r'<wbr>|<span class="phrases">|</span>')


def without_phrase_breaks(html: str) -> str:
    """A page's HTML with the phrase breaks of the `phrases` filter taken out, so a test can
    look for a heading's words as written. Every closing span goes too: look for words, not
    for markup, in what this returns."""
    return PHRASE_MARKUP.sub("", html)
