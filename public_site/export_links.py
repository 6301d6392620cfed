"""How an exported page stands alone (`public_site.export_static`): its links made relative to
the exported files, and what needs the server replaced or left out.

The pages are the site's own templates, whose attributes are always in double quotes, so the
links are found and rewritten in place with a pattern rather than a parser that would rewrite
the whole page. A page keeps its script files and style sheet, never gains an inline script.
"""

from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from public_site.localization import path_language, prefix

LINK = re.compile(r'\b(href|src)="([^"]*)"')
# What a static copy cannot do: register the worker or name the manifest (both need /sw.js and
# the server's addresses), submit a search.
MANIFEST = re.compile(r'\s*<link rel="manifest"[^>]*>')
WORKER_SCRIPT = re.compile(r'\s*<script src="[^"]*js/offline\.js[^"]*"[^>]*></script>')
SEARCH_FORM = re.compile(r"<form\b.*?</form>", re.DOTALL)
# Where every page holds the offline note (public/_offline_note.html): the copy's note goes there.
NOTE = re.compile(r'<div class="wrap offline-note"[^>]*>.*?</div>', re.DOTALL)
# "Open now" was true the minute the copy was made, not when it is read: the hours stay.
NOW_STATE = re.compile(r'<span class="now-state">.*?</span>', re.DOTALL)
STATUS = re.compile(r'<p class="status status-[a-z_]+">.*?</p>', re.DOTALL)


@dataclass(frozen=True)
class Snippets:
    """Rendered by the app in the page's language: the copy's note, and the topics that stand
    in for the search form."""

    note: str
    search: str


def internal_address(value: str, page: str, base_url: str) -> str | None:
    """The site's address (path and query) a link points at, or None for another site's, a
    phone number or a place on the same page."""
    link = html.unescape(value)
    if not link or link.startswith("#"):
        return None
    if link == base_url or link.startswith(base_url + "/"):
        link = link[len(base_url) :] or "/"
    if urlsplit(link).scheme or urlsplit(link).netloc:
        return None
    parts = urlsplit(urljoin("http://site" + page, link))
    return parts.path + ("?" + parts.query if parts.query else "")


def find_links(text: str, page: str, base_url: str) -> list[str]:
    found = (internal_address(value, page, base_url) for _, value in LINK.findall(text))
    return list(dict.fromkeys(address for address in found if address is not None))


def rewrite_page(
    text: str, page: str, files: dict[str, str], base_url: str, snippets: Snippets
) -> str:
    text = MANIFEST.sub("", text)
    text = WORKER_SCRIPT.sub("", text)
    text = NOTE.sub(lambda _: snippets.note, text, count=1)
    text = SEARCH_FORM.sub(lambda _: snippets.search, text)
    text = NOW_STATE.sub("", text)
    text = STATUS.sub("", text)
    here = posixpath.dirname(files[page])
    home = files[prefix(path_language(page)) + "/"]

    def relative(match: re.Match[str]) -> str:
        attribute, value = match.groups()
        address = internal_address(value, page, base_url)
        if address is None:
            return match.group(0)
        fragment = html.unescape(value).partition("#")[2]
        # A static file without its fingerprint; a search with its words or filters: the
        # listing, whose topics stand in for it; an address the copy does not hold: home.
        target = files.get(address) or files.get(address.split("?")[0]) or home
        link = posixpath.relpath(target, here or ".") + ("#" + fragment if fragment else "")
        return f'{attribute}="{html.escape(link)}"'

    return LINK.sub(relative, text)
