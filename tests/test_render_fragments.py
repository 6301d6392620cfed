"""Parts of a search page kept as HTML (`public_site.fragments.cached_fragment`): the filters,
the 「いますぐ話したい」 block, the help strip, the footer and the result cards are, on every page,
what a page rendered in full shows for that request's filters, language, words and minute, and a
part kept for one profile or one set of lines is never served for another."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from markupsafe import Markup
from sqlalchemy.orm import Session

from core.config import Settings
from core.db import get_engine
from core.profile import read_profile_file, store_profile
from core.timezone import TOKYO
from public_site import create_app as create_public_app
from public_site.fragments import cached_fragment
from public_site.now import CLOCK

BEFORE_SIX = datetime(2026, 12, 8, 5, 59, 30, tzinfo=TOKYO)  # Tuesday: #いのちSOS opens at 6:00
SIX = datetime(2026, 12, 8, 6, 0, 10, tzinfo=TOKYO)
SEARCHES = [
    "/directory?q=SOS",
    "/directory?q=SOS&free=1",
    "/directory?q=SOS&topics=mental-health&channels=phone&channels=line",
    "/directory?q=SOS&areas=national&audiences=youth&anonymous=1&open_now=1",
    "/directory?q=SOS&languages=en",
    "/en/directory?q=SOS&free=1",
    "/en/directory?q=SOS",
    "/directory?q=しにたい",  # crisis words: the block says so
    "/directory?q=zzzzzz",  # none found: lines to call instead
    "/directory?q=相談&page=2&per_page=3",
    "/directory",
]


def make_app(settings: Settings, cache_url: str) -> Flask:
    app = create_public_app(replace(settings, cache_url=cache_url))
    app.config["TESTING"] = True
    return app


@pytest.fixture
def site(settings: Settings, clean_db: object) -> Iterator[Flask]:
    """The site with its caches, as served."""
    app = make_app(settings, "simple")
    yield app
    get_engine(app).dispose()


@pytest.fixture
def fresh(settings: Settings, clean_db: object) -> Iterator[Flask]:
    """The same site rendering every page in full: the reference for what a page shows."""
    app = make_app(settings, "none")
    yield app
    get_engine(app).dispose()


def at(moment: datetime, *apps: Flask) -> None:
    for app in apps:
        app.config[CLOCK] = lambda: moment


class Pages:
    """GETs that the page cache cannot serve: each address gets a parameter no one else used."""

    def __init__(self, app: Flask) -> None:
        self.client: FlaskClient = app.test_client()
        self.count = 0

    def get(self, url: str) -> str:
        self.count += 1
        joiner = "&" if "?" in url else "?"
        response = self.client.get(f"{url}{joiner}visit={self.count}")
        assert response.status_code == 200
        return re.sub(r"(&amp;|\?)visit=\d+", "", response.get_data(as_text=True))


def test_every_search_page_is_the_page_rendered_in_full(
    site: Flask, fresh: Flask, demo: Session
) -> None:
    pages, reference = Pages(site), Pages(fresh)
    for moment in (BEFORE_SIX, SIX):  # #いのちSOS opens: the block and the cards change
        at(moment, site, fresh)
        for _ in range(2):  # the second time, from the kept parts
            for url in SEARCHES:
                assert pages.get(url) == reference.get(url), (moment, url)


def test_a_profile_change_shows_in_the_next_search_page(
    site: Flask, demo: Session, settings: Settings
) -> None:
    at(SIX, site)
    pages = Pages(site)
    assert "0772-00-9999" not in pages.get("/directory?q=SOS")
    profile = read_profile_file(settings.profile_path)

    store_profile(demo, replace(profile, phone="0772-00-9999", section="相談支援課"))
    demo.commit()
    html = pages.get("/directory?q=SOS")

    assert 'href="tel:0772009999"' in html  # the help strip
    assert "相談支援課</span></p>" in html  # the footer


def test_a_part_kept_for_some_objects_is_never_served_for_others(
    site: Flask, demo: Session
) -> None:
    kept, other = object(), object()
    with site.test_request_context("/directory?q=SOS"):
        site.preprocess_request()
        first = cached_fragment("part", 1, sources=(kept,), caller=lambda: Markup("first"))
        again = cached_fragment("part", 1, sources=(kept,), caller=lambda: Markup("again"))
        apart = cached_fragment("part", 2, sources=(kept,), caller=lambda: Markup("apart"))
        fallback = cached_fragment("part", 1, sources=(other,), caller=lambda: Markup("new"))
        after = cached_fragment("part", 1, sources=(other,), caller=lambda: Markup("after"))

    assert (first, again, apart, fallback, after) == ("first", "first", "apart", "new", "new")


def test_an_error_page_renders_every_part(site: Flask, demo: Session) -> None:
    with site.test_request_context("/directory"):
        site.preprocess_request()
        g.error_page = True
        one = cached_fragment("part", sources=(), caller=lambda: Markup("one"))
        two = cached_fragment("part", sources=(), caller=lambda: Markup("two"))

    assert (one, two) == ("one", "two")
