"""Parts of a search page kept as HTML (`public_site.fragments.cached_fragment`): the filters,
the 「いますぐ話したい」 block, the help strip, the footer and the result summaries are, on every
page, what a page rendered in full shows for that request's filters, language, words and
minute, and a part kept for one profile or one set of lines is never served for another."""

from __future__ import annotations

from dataclasses import replace

from flask import Flask, g
from markupsafe import Markup
from sqlalchemy.orm import Session

from core.config import Settings
from core.profile import read_profile_file, store_profile
from public_site.fragments import cached_fragment
from tests.rendering import BEFORE_SIX, SIX, Pages, at

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


def test_every_search_page_is_the_page_rendered_in_full(
    site: Flask, uncached_site: Flask, demo: Session
) -> None:
    pages, reference = Pages(site), Pages(uncached_site)
    for moment in (BEFORE_SIX, SIX):  # #いのちSOS opens: the block and the results change
        at(moment, site, uncached_site)
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
