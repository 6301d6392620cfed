"""Helpers for the settings tests: the profile form's values as the page fills them in, and
the preview's signed values as the confirmation carries them."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from flask.testing import FlaskClient

PAGE = "/settings/profile"
SAVE = "/settings/profile/save"


class _Fields(HTMLParser):
    def __init__(self, form_action: str) -> None:
        super().__init__()
        self.action, self.inside, self.values = form_action, False, {}
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("action") == self.action
        elif self.inside and tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind == "checkbox":
                if "checked" in a:
                    self.values.setdefault(a["name"], []).append(a.get("value") or "y")
            else:
                self.values[a["name"]] = a.get("value") or ""
        elif self.inside and tag == "textarea":
            self.textarea = a.get("name")
            self.values[self.textarea] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        if tag == "textarea":
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.values[self.textarea] += data


def form_values(html: str, action: str = PAGE) -> dict[str, str | list[str]]:
    """Every field of the form posting to ``action``, as the browser would send it."""
    parser = _Fields(action)
    parser.feed(html)
    values = dict(parser.values)
    for name, value in values.items():
        if isinstance(value, str) and value.startswith("\n") and name == "partner_origins":
            values[name] = value[1:]
    return values


def preview(client: FlaskClient, **changes: str | list[str]):
    """Open the page, change some fields and press 確認する; the response."""
    values = form_values(client.get(PAGE).get_data(as_text=True))
    values.update(changes)
    return client.post(PAGE, data=values)


def confirm_token(html: str) -> str:
    match = re.search(r'name="preview" type="hidden" value="([^"]+)"', html)
    assert match, "no confirmation on the page"
    return match.group(1)


def save_preview(client: FlaskClient, html: str):
    """Press この内容で保存する on a preview page."""
    values = form_values(html, SAVE)
    assert values.get("preview") and values.get("csrf_token")
    return client.post(SAVE, data=values)
