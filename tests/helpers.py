"""Small helpers the tests share."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import Rule


def get_urls(app: Flask) -> list[str]:
    """A concrete URL for every GET route of the app (static gets a real file)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()):
            continue
        urls.append(_build(rule))
    return sorted(set(urls))


def build_url(rule: Rule, number: int = 1) -> str:
    """A concrete URL for a rule, with ``number`` for integer arguments."""
    return _build(rule, number)


def _build(rule: Rule, number: int = 1) -> str:
    values: dict[str, object] = {"filename": "css/site.css"} if rule.endpoint == "static" else {}
    values.update(rule.defaults or {})
    for argument in rule.arguments - set(values):
        converter = rule._converters[argument].__class__.__name__
        values[argument] = number if converter == "IntegerConverter" else "x"
    return rule.build(values, append_unknown=False)[1]  # type: ignore[index]
