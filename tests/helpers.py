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


def _build(rule: Rule) -> str:
    values = {"filename": "css/site.css"} if rule.endpoint == "static" else {}
    values.update(rule.defaults or {})
    return rule.build(values, append_unknown=False)[1]  # type: ignore[index]
