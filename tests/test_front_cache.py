"""The front cache: a page kept this minute is answered before Flask runs (no hook, no view),
with the headers the hooks gave it; anything it cannot be sure of goes on to the app."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import Settings
from core.content_version import bump
from core.db import get_engine
from core.observability import RequestObserver
from core.timezone import TOKYO
from directory.models import Service
from public_site import create_app as create_public_app
from public_site.front_cache import FrontCache, PageShelf

NOON = datetime(2026, 3, 10, 12, 0, 5, tzinfo=TOKYO)


@pytest.fixture
def site(settings: Settings, clean_db: object) -> Iterator[Flask]:
    app = create_public_app(replace(settings, cache_url="simple"))
    app.config["TESTING"] = True
    yield app
    get_engine(app).dispose()


@pytest.fixture
def requests_seen(site: Flask) -> list[str]:
    """The requests that reached the app (its first before_request hook)."""
    seen: list[str] = []
    site.before_request_funcs.setdefault(None, []).insert(0, lambda: seen.append("app"))
    return seen


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def test_it_is_the_outermost_layer_under_the_request_observer(site: Flask) -> None:
    assert isinstance(site.wsgi_app, RequestObserver)  # counts and logs the front cache's pages
    assert isinstance(site.wsgi_app.inner, FrontCache)


def test_a_page_kept_this_minute_does_not_reach_the_app(
    site: Flask, demo: Session, requests_seen: list[str], clock: object
) -> None:
    client = site.test_client()

    first = client.get("/directory")
    second = client.get("/directory")

    assert requests_seen == ["app"]
    assert second.status_code == 200 and second.data == first.data
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]  # each request its own
    del first.headers["X-Request-Id"], second.headers["X-Request-Id"]
    assert sorted(second.headers.items()) == sorted(first.headers.items())
    assert "default-src 'self'" in second.headers["Content-Security-Policy"]
    assert second.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Set-Cookie" not in second.headers


def test_links_shared_with_tracking_parameters_are_one_page(
    site: Flask, demo: Session, requests_seen: list[str], clock: object
) -> None:
    client = site.test_client()
    search = "/directory?q=%E7%9B%B8%E8%AB%87"

    first = client.get(search + "&fbclid=IwAR-first-visitor&utm_source=news")
    for tail in ("&fbclid=IwAR-second-visitor", "&utm_medium=social&gclid=x", ""):
        again = client.get(search + tail)
        assert again.data == first.data
    client.get(search + "&free=1")

    assert requests_seen == ["app", "app"]  # the search, then the search with a filter
    assert b"IwAR" not in first.data and b"utm_" not in first.data  # no page passes them on


def test_a_head_is_answered_without_a_body_and_never_stored(
    site: Flask, demo: Session, requests_seen: list[str], clock: object
) -> None:
    client = site.test_client()

    head = client.head("/")
    assert head.status_code == 200 and head.data == b""
    page = client.get("/")  # the HEAD kept nothing: the GET renders
    again = client.head("/")

    assert requests_seen == ["app", "app"]
    assert again.data == b"" and again.headers["Content-Length"] == page.headers["Content-Length"]


def test_other_hosts_schemes_and_forwarded_headers_are_other_pages(
    site: Flask, demo: Session, requests_seen: list[str], clock: object
) -> None:
    client = site.test_client()

    client.get("/")
    client.get("/", base_url="http://other.example")
    client.get("/", base_url="https://localhost")
    client.get("/", headers={"X-Forwarded-Host": "evil.example"})
    client.get("/")

    assert requests_seen == ["app"] * 4


def test_posts_errors_and_scans_always_reach_the_app(
    site: Flask, demo: Session, requests_seen: list[str], clock: object
) -> None:
    client = site.test_client()

    for _ in range(2):
        client.post("/directory")
        client.get("/no-such-page")
        client.get("/directory?q=a%00b")
        client.get("/c/UNKNOWN")

    assert requests_seen == ["app"] * 8


def test_a_change_in_this_process_reaches_the_app_at_once(
    site: Flask, demo: Session, requests_seen: list[str], clock: object
) -> None:
    client = site.test_client()
    client.get("/directory")
    service = demo.scalar(select(Service).where(Service.status == "published"))
    assert service is not None
    service.name = f"{service.name}（改）"
    demo.commit()  # a public change made in this process: the version it read is stale

    client.get("/directory")

    assert requests_seen == ["app", "app"]

    assert requests_seen == ["app", "app"]


def test_the_version_is_read_again_after_a_second_and_the_minute_changes_the_key(
    site: Flask, demo: Session, requests_seen: list[str], clock: time_machine.Coordinates
) -> None:
    client = site.test_client()
    client.get("/")
    with get_engine(site).begin() as connection:  # as another process: the database only
        bump(connection)

    clock.move_to(NOON.replace(microsecond=500_000))
    client.get("/")  # the version read half a second ago holds: kept
    assert requests_seen == ["app"]
    clock.move_to(NOON.replace(second=7))
    client.get("/")  # read again in front of the app: a new version, so the app renders
    client.get("/")
    assert requests_seen == ["app", "app"]
    clock.move_to(NOON.replace(minute=1, second=0))
    client.get("/")
    assert requests_seen == ["app"] * 3


def test_the_shelf_keeps_to_its_budget_of_bytes_and_drops_past_minutes() -> None:
    shelf = PageShelf(max_pages=100, max_bytes=8_000)

    def page(size: int) -> tuple[str, list[tuple[str, str]], bytes, None, None]:
        return ("200 OK", [("Content-Type", "text/html")], b"x" * size, None, None)

    for n in range(20):
        shelf.set((1, "202603101200", ("/", str(n))), page(900))
    assert shelf.bytes <= 8_000 and len(shelf) == 8  # 8 of about 923 bytes fit
    assert shelf.get((1, "202603101200", ("/", "19"))) is not None
    assert shelf.get((1, "202603101200", ("/", "0"))) is None  # the oldest went first

    shelf.set((1, "202603101200", ("/", "big")), page(1_500))  # over an eighth of the budget
    assert shelf.get((1, "202603101200", ("/", "big"))) is None

    shelf.set((1, "202603101201", ("/", "next")), page(10))
    assert len(shelf) == 1 and shelf.bytes == 10 + len("Content-Type") + len("text/html")


def test_made_up_parameters_do_not_grow_the_process_past_its_budget(
    site: Flask, demo: Session, clock: object
) -> None:
    front = site.wsgi_app.inner  # under the request observer
    assert isinstance(front, FrontCache)
    front.pages.max_bytes = 400_000  # an eighth: a directory page (about 34 KB) is kept
    client = site.test_client()

    for n in range(30):
        assert client.get(f"/directory?zz={n}").status_code == 200

    assert 0 < front.pages.bytes <= 400_000 and len(front.pages) < 30
