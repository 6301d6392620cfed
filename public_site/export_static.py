"""``tsunagu export-static DIR``: the public site as static files, a mirror for when the app is
down, on any static host or a USB stick.

Each page is what the site serves: the app's test client asks for it at the public address
(`TSUNAGU_PUBLIC_BASE_URL`), in each language (Japanese, easy Japanese, English). The pages
asked for first are the home pages, the directory listing, the topic and service pages of every
published service, the other pages in the footer and the cards page with its downloads; every
page they link to on the site is exported too (a listing's next pages among them). Then
`public_site.export_links` rewrites each page to stand alone: its links point at the exported
files relative to it, the search form becomes the list of topics, and what needs the server or
the minute it was made (the service worker, "open now") is left out, with a note of the day the
copy was made.
"""

from __future__ import annotations

import posixpath
import re
from collections import deque
from dataclasses import dataclass, field
from html import escape, unescape
from pathlib import Path
from urllib.parse import parse_qsl

import click
from flask import Flask, render_template
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from cards.files import PUBLIC_FILES
from core.db import get_engine
from core.i18n import DEFAULT_LANGUAGE, languages
from core.timezone import TOKYO
from directory.models import Service
from directory.queries import topics
from directory.taps import counted_targets
from public_site.export_links import Snippets, find_links, rewrite_page
from public_site.localization import path_language, prefix
from public_site.now import clock

# Pages every export starts from, in each language (the footer's pages and the listing).
START_PAGES = (
    "/", "/directory", "/worried-about-someone", "/bereaved-by-suicide", "/cards", "/privacy",
    "/accessibility",
)  # fmt: skip
# Addresses that only make sense with the server behind them: never exported or followed.
SERVER_ONLY = (
    "/sw.js", "/manifest.webmanifest", "/offline", "/c/", "/api/", "/staff", "/healthz", "/go/",
)  # fmt: skip
# A counted button's address (`public_site.go`): the copy links to the channel itself.
GO_LINK = re.compile(r'href="(?:[^"]*?)/go/([^/"]+)/([0-9]+)"')


@dataclass
class Export:
    """What was written: each address the site answered and the file that holds it."""

    files: dict[str, str] = field(default_factory=dict)  # "/path?page=2" -> "path/page-2/..."
    pages: dict[str, bytes] = field(default_factory=dict)  # the same addresses: HTML as served
    other: dict[str, bytes] = field(default_factory=dict)  # and the card files as served
    failed: list[tuple[str, int]] = field(default_factory=list)


def export_site(app: Flask, base_url: str, out: Path) -> Export:
    """Write the public site into ``out`` (which must be empty or missing)."""
    if out.exists() and any(out.iterdir()):
        raise click.ClickException(f"{out} is not empty: give a new or empty directory")
    client = app.test_client()
    base_url = base_url.rstrip("/")
    export = Export()
    queue = deque(_start(app))
    seen = set(queue)
    while queue:
        address = queue.popleft()
        found = _fetch(client, base_url, address, export)
        for link in found:
            if link not in seen and _followed(link):
                seen.add(link)
                queue.append(link)
    snippets = {each.code: _snippets(app, base_url, each.code) for each in languages()}
    with Session(get_engine(app)) as session:
        targets = counted_targets(session)
    for address, html in export.pages.items():
        lang = path_language(address)
        page = _direct_channel_links(html.decode("utf-8"), targets)
        text = rewrite_page(page, address, export.files, base_url, snippets[lang])
        _write(out, export.files[address], text.encode("utf-8"))
    written = {export.files[address] for address in export.pages}
    for address, name in export.files.items():
        if name not in written:  # the static files and the card downloads
            written.add(name)
            body = export.other.get(address)
            if body is None:
                body = client.get(address, base_url=base_url).get_data()
            _write(out, name, body)
    return export


def _start(app: Flask) -> list[str]:
    with Session(get_engine(app)) as session:
        services = session.scalars(
            select(Service.id).where(Service.status == "published").order_by(Service.id)
        ).all()
        codes = [term.code for term in topics(session)]
    paths = [
        *START_PAGES,
        *(f"/directory/services/{service_id}" for service_id in services),
        *(f"/directory/topics/{code}" for code in codes),
    ]
    others = [each.code for each in languages() if each.code != DEFAULT_LANGUAGE]
    translated = [prefix(code) + path for code in others for path in paths]
    downloads = [f"/cards/generic/{kind}" for kind in PUBLIC_FILES]
    return [*paths, *translated, *downloads]


def _followed(address: str) -> bool:
    path, _, query = address.partition("?")
    bare = path.removeprefix(prefix(path_language(path))) or "/"
    if any(bare == p or bare.startswith(p.rstrip("/") + "/") for p in SERVER_ONLY):
        return False
    return not query or _page_number(query) is not None


def _direct_channel_links(text: str, targets: dict[tuple[str, int], str]) -> str:
    """The page with each counted button linking straight to its channel, as the copy has no
    server to count a tap and send the browser on."""

    def direct(match: re.Match[str]) -> str:
        target = targets.get((unescape(match.group(1)), int(match.group(2))))
        return f'href="{escape(target)}"' if target else match.group(0)

    return GO_LINK.sub(direct, text)


def _page_number(query: str) -> int | None:
    """A listing's page (``page=2``): the one query string a static copy can stand for."""
    pairs = parse_qsl(query)
    if len(pairs) == 1 and pairs[0][0] == "page" and pairs[0][1].isdigit():
        return int(pairs[0][1])
    return None


def _fetch(client: FlaskClient, base_url: str, address: str, export: Export) -> list[str]:
    response = client.get(address, base_url=base_url)
    if response.status_code != 200:
        export.failed.append((address, response.status_code))
        return []
    name = file_name(address, response.mimetype)
    known = name in export.files.values()  # ``?page=1`` is the listing itself
    export.files[address] = name
    if response.mimetype != "text/html":
        export.other[address] = response.get_data()
        return []
    if known:
        return []
    html = response.get_data()
    export.pages[address] = html
    links = find_links(html.decode("utf-8"), address, base_url)
    for link in links:
        if link.startswith("/static/") and link.split("?")[0] not in export.files:
            export.files[link.split("?")[0]] = link.split("?")[0].lstrip("/")
    return links


def file_name(address: str, mimetype: str) -> str:
    """Where an address is written: a page as ``index.html`` in a folder of its own (so links
    between pages need no server to find it), any other file under its own name."""
    path, _, query = address.partition("?")
    parts = [part for part in path.split("/") if part]
    if mimetype != "text/html":
        return posixpath.join(*parts)
    number = _page_number(query) if query else None
    if number is not None and number > 1:
        parts.append(f"page-{number}")
    return posixpath.join(*parts, "index.html")


def _snippets(app: Flask, base_url: str, lang: str) -> Snippets:
    """The note and the topics that replace the search form, in the site's words and language."""
    path = prefix(lang) + "/"
    with app.test_request_context(path, base_url=base_url), Session(get_engine(app)) as session:
        terms = topics(session)
        saved = clock().astimezone(TOKYO).date()
        note = render_template("public/_export_note.html", saved=saved)
        search = render_template("public/_export_search.html", topics=terms)
    return Snippets(note=note, search=search)


def _write(out: Path, name: str, body: bytes) -> None:
    target = out / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(body)


def export_command(public_app: Flask) -> click.Command:
    """The command, bound to the public site it exports (the combined app's, in `wsgi`)."""

    @click.command("export-static")
    @click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
    def export_static(directory: Path) -> None:
        """Write the public site (Japanese, easy Japanese, English) as static files into DIRECTORY.

        For a mirror when the app is down: copy DIRECTORY to any static web host or a USB
        stick and open index.html. Links between pages work without a server; search becomes
        the list of topics; each page says the day it was copied. DIRECTORY must be new or
        empty.
        """
        settings = public_app.config["TSUNAGU_SETTINGS"]
        export = export_site(public_app, settings.public_base_url, directory)
        pages = len(export.pages)
        files = len(set(export.files.values())) - pages
        click.echo(f"exported {pages} pages and {files} other files to {directory}")
        for address, status in export.failed:
            click.echo(f"not exported ({status}): {address}", err=True)
        if any(address.startswith("/cards/generic/") for address, _ in export.failed):
            raise click.ClickException("the guidance card files could not be made (a font?)")

    return export_static
