"""Pieces of a search page kept per process (`public_site.render_cache`, `public_site.fragments`):
a kept result summary or 「いますぐ話したい」 block is the same as a fresh one, is keyed by
the language, the minute and the content version, and the stores stay bounded."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from jinja2.ext import _gettext_alias
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from directory.models import Service
from directory.search.reindex import reindex
from public_site import fragments, now
from public_site.labels import area_label, channel_kind_label, cost_label
from public_site.render_cache import LRU, render_cache
from tests.rendering import BEFORE_SIX, SIX, Pages, at

SEARCH = "/directory?q=SOS"


def summaries(html: str) -> dict[str, str]:
    """Each result summary's HTML, by service id."""
    found = re.findall(
        r'(<article class="service-summary" aria-labelledby="service-([^"]+)">.*?</article>)',
        html,
        re.DOTALL,
    )
    return {service_id: summary for summary, service_id in found}


@pytest.fixture
def statuses_worked_out(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times a service's opening state was worked out (only when its summary is rendered
    anew)."""
    counted: Counter[str] = Counter()
    compute = fragments.service_status

    def counting(service: Any, moment: datetime, **options: Any) -> Any:
        counted[service.id] += 1
        return compute(service, moment, **options)

    monkeypatch.setattr(fragments, "service_status", counting)
    return counted


def sos_id(session: Session) -> str:
    found = session.scalar(select(Service.id).where(Service.name == "#いのちSOS"))
    assert found is not None
    return found


# ---- result summaries ------------------------------------------------------------------------


@pytest.mark.parametrize("url", [SEARCH, "/en" + SEARCH, "/directory", "/directory?q=zzzzzz"])
def test_a_page_of_kept_summaries_is_the_page_rendered_in_full(
    site: Flask, uncached_site: Flask, demo: Session, statuses_worked_out: Counter[str], url: str
) -> None:
    at(SIX, site, uncached_site)
    pages = Pages(site)
    first = pages.get(url)
    worked_out = sum(statuses_worked_out.values())

    second = pages.get(url)

    assert summaries(second), "the page lists services (or, without results, lines to call)"
    assert sum(statuses_worked_out.values()) == worked_out  # every summary was kept
    reference = Pages(uncached_site).get(url)
    assert second == first == reference


def test_summaries_are_kept_per_language(site: Flask, demo: Session) -> None:
    at(SIX, site)
    pages = Pages(site)
    japanese = summaries(pages.get(SEARCH))[sos_id(demo)]

    english = summaries(pages.get("/en" + SEARCH))[sos_id(demo)]

    assert "受付中" in japanese and "Open now" in english
    assert 'href="/en/directory/services/' in english and 'href="/directory/' in japanese


def test_a_summary_changes_when_the_minute_rolls_over(
    site: Flask, uncached_site: Flask, demo: Session
) -> None:
    pages = Pages(site)
    at(BEFORE_SIX, site, uncached_site)
    closed = summaries(pages.get(SEARCH))[sos_id(demo)]
    assert "受付時間外" in summaries(pages.get(SEARCH))[sos_id(demo)]

    at(SIX, site, uncached_site)
    opened = summaries(pages.get(SEARCH))[sos_id(demo)]

    assert "受付時間外" in closed and "受付中" in opened
    assert opened == summaries(Pages(uncached_site).get(SEARCH))[sos_id(demo)]


def test_a_directory_edit_changes_the_summary_on_the_next_request(
    site: Flask, demo: Session
) -> None:
    at(SIX, site)
    pages = Pages(site)
    assert "月曜は休みます" not in summaries(pages.get(SEARCH))[sos_id(demo)]

    demo.execute(
        update(Service).where(Service.id == sos_id(demo)).values(hours_note="月曜は休みます")
    )
    reindex(demo)
    demo.commit()

    assert "月曜は休みます" in summaries(pages.get(SEARCH))[sos_id(demo)]


def test_the_summary_store_stays_within_its_size(
    site: Flask, uncached_site: Flask, demo: Session
) -> None:
    at(SIX, site, uncached_site)
    store = render_cache(site).stores["summary"] = LRU(3)
    pages = Pages(site)

    html = pages.get("/directory")

    assert len(summaries(html)) > 3 and len(store) == 3
    assert pages.get("/directory") == Pages(uncached_site).get("/directory")
    assert len(store) == 3


def test_the_least_recently_used_entry_goes_first() -> None:
    store = LRU(2)
    store.set("a", 1)
    store.set("b", 2)
    assert store.get("a") == 1  # "b" is now the least recently used

    store.set("c", 3)

    assert len(store) == 2
    assert store.get("b") is None and store.get("a") == 1 and store.get("c") == 3


@pytest.mark.parametrize(
    "url",
    [
        "/directory?q=SOS&page=1",
        "/en/directory?q=SOS",
        "/directory?q=zzzzzz&free=1",  # none found: 「「無料」の条件を外す」 takes a value
        "/en/directory?q=zzzzzz&free=1",
        "/no-such-page",
    ],
)
def test_texts_translated_once_per_language_read_as_flask_babel_gives_them(
    site: Flask, uncached_site: Flask, demo: Session, url: str
) -> None:
    at(SIX, site, uncached_site)
    uncached_site.jinja_env.globals["_"] = _gettext_alias  # as Flask-Babel installs it
    served = [site.test_client().get(url) for _ in range(2)]

    reference = uncached_site.test_client().get(url)

    assert served[0].data == served[1].data == reference.data
    assert served[0].status_code == reference.status_code


def test_a_search_made_again_this_minute_under_another_address_is_not_run_again(
    site: Flask, demo: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[object] = []
    search = fragments.search_services

    def counting(session: Session, query: object, *, now: datetime) -> Any:
        runs.append(query)
        return search(session, query, now=now)

    monkeypatch.setattr(fragments, "search_services", counting)
    pages = Pages(site)
    at(BEFORE_SIX, site)
    first = pages.get(SEARCH)
    for url in (SEARCH, "/easy" + SEARCH, SEARCH + "&utm_source=news"):
        pages.get(url)
    assert len(runs) == 1
    pages.get("/en" + SEARCH)  # English pages put the lines in English first: another search
    assert len(runs) == 2
    pages.get("/directory?q=SOS&free=1")
    assert len(runs) == 3

    at(SIX, site)  # what is open changes the order
    later = pages.get(SEARCH)
    assert len(runs) == 4
    assert list(summaries(first)) != list(summaries(later))  # #いのちSOS, open at 6:00, comes first

    edit = update(Service).where(Service.id == sos_id(demo)).values(status="draft")
    demo.execute(edit)
    reindex(demo)
    demo.commit()
    edited = pages.get(SEARCH)

    assert len(runs) == 5
    assert sos_id(demo) not in summaries(edited)


def test_labels_translated_once_are_in_each_page_s_language(site: Flask) -> None:
    shown = []
    for path in ("/directory", "/en/directory", "/directory", "/en/directory"):
        with site.test_request_context(path):
            site.preprocess_request()
            shown.append((channel_kind_label("phone"), area_label("national"), cost_label("x")))

    assert shown[0] == shown[2] != shown[1] == shown[3]
    assert shown[0][:2] == ("電話", "全国の窓口") and shown[1][0] == "Phone"
    assert shown[0][2] == "記載なし"  # an unknown cost


# ---- the 「いますぐ話したい」 block ------------------------------------------------------------


@pytest.fixture
def lines_read(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times the block's crisis lines were read from the database."""
    counted: Counter[str] = Counter()
    read = now.crisis_lines

    def counting(session: Session) -> Any:
        counted["read"] += 1
        return read(session)

    monkeypatch.setattr(now, "crisis_lines", counting)
    return counted


def block_html(html: str) -> str:
    start = html.index("data-now-block")
    return html[start : html.index("</aside>", start)]


def test_the_block_is_worked_out_once_a_minute_and_again_at_the_next(
    site: Flask, demo: Session, lines_read: Counter[str]
) -> None:
    pages = Pages(site)
    at(BEFORE_SIX, site)
    night = [block_html(pages.get(url)) for url in (SEARCH, "/directory?q=借金", "/en/directory")]
    assert lines_read["read"] == 1
    assert "#いのちSOS" not in night[0] and night[0] == night[1]

    at(SIX, site)
    morning = block_html(pages.get(SEARCH))

    assert lines_read["read"] == 2
    assert "#いのちSOS" in morning


def test_the_block_is_worked_out_again_after_a_content_change(
    site: Flask, demo: Session, lines_read: Counter[str]
) -> None:
    at(SIX, site)
    pages = Pages(site)
    assert "#いのちSOS" in block_html(pages.get(SEARCH))

    demo.execute(update(Service).where(Service.name == "#いのちSOS").values(is_crisis_line=False))
    demo.commit()
    html = pages.get(SEARCH)

    assert lines_read["read"] == 2
    assert "#いのちSOS" not in block_html(html)
    assert sos_id(demo) in summaries(html)  # still a result, no longer in the block


def test_a_block_without_its_lines_after_a_database_error_is_not_kept(
    site: Flask, demo: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    at(SIX, site)
    read = now.crisis_lines
    failures = [OperationalError("SELECT", {}, Exception("database is locked"))]

    def failing_once(session: Session) -> Any:
        if failures:
            raise failures.pop()
        return read(session)

    monkeypatch.setattr(now, "crisis_lines", failing_once)
    pages = Pages(site)

    without_lines = block_html(pages.get(SEARCH))
    with_lines = block_html(pages.get(SEARCH))

    assert 'href="tel:119"' in without_lines and "#いのちSOS" not in without_lines
    assert "#いのちSOS" in with_lines
