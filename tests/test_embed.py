"""The help panel partner sites frame (/embed/): framed only by the partner origins of the
stored profile, every other page still refusing every frame; no cookie; the lines open now,
119 and 110, the dedicated window and a search that opens the full site in a new tab."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from core.config import Settings
from core.profile import get_profile, read_profile_file, store_profile
from core.timezone import TOKYO
from public_site import create_app as create_public_app
from public_site.embed import partner_origins
from public_site.now import CLOCK

PARTNERS = ("https://www.city.example.lg.jp", "https://school.example.ed.jp:8443")
NOON = datetime(2026, 3, 10, 12, 0, 5, tzinfo=TOKYO)  # a Tuesday: the 24-hour lines are open
EMBED_PAGES = ("/embed/", "/en/embed/", "/easy/embed/")


def frame_ancestors(response) -> str:
    csp = response.headers["Content-Security-Policy"]
    found = re.search(r"(?:^|;\s*)frame-ancestors ([^;]*)", csp)
    assert found is not None, csp
    return found.group(1).strip()


def list_partners(session: Session, settings: Settings, origins: tuple[str, ...]) -> None:
    session.expire_all()
    profile = get_profile(session, read_profile_file(settings.profile_path))
    store_profile(session, replace(profile, partner_origins=origins))
    session.commit()


@pytest.fixture
def at_noon(site: Flask) -> Flask:
    site.config[CLOCK] = lambda: NOON
    return site


@pytest.fixture
def widget(at_noon: Flask) -> FlaskClient:
    return at_noon.test_client()


def test_the_panel_may_be_framed_by_exactly_the_stored_partner_origins(
    widget: FlaskClient, demo: Session, settings: Settings
) -> None:
    list_partners(demo, settings, PARTNERS)
    for url in EMBED_PAGES:
        response = widget.get(url)
        assert response.status_code == 200, url
        assert frame_ancestors(response).split() == list(PARTNERS)
        assert "X-Frame-Options" not in response.headers
        assert "Set-Cookie" not in response.headers


def test_with_no_partner_listed_the_panel_refuses_every_frame(
    widget: FlaskClient, demo: Session
) -> None:
    response = widget.get("/embed/")
    assert response.status_code == 200
    assert frame_ancestors(response) == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_every_other_page_keeps_refusing_frames_when_partners_are_listed(
    widget: FlaskClient, demo: Session, settings: Settings
) -> None:
    list_partners(demo, settings, PARTNERS)
    for url in ("/", "/en/", "/directory", "/directory?q=借金", "/cards", "/no-such-page"):
        response = widget.get(url)
        assert frame_ancestors(response) == "'none'", url
        assert response.headers["X-Frame-Options"] == "DENY", url


def test_the_rest_of_the_panels_policy_stays_strict(
    widget: FlaskClient, demo: Session, settings: Settings
) -> None:
    list_partners(demo, settings, PARTNERS)
    csp = widget.get("/embed/").headers["Content-Security-Policy"]
    parts = {part.strip() for part in csp.split(";")}
    assert {"default-src 'self'", "script-src 'self'", "style-src 'self'"} <= parts
    assert {"form-action 'self'", "base-uri 'none'", "object-src 'none'"} <= parts
    assert csp.count("frame-ancestors") == 1


def test_a_kept_panel_carries_the_origins_of_the_profile_as_changed(
    widget: FlaskClient, demo: Session, settings: Settings
) -> None:
    """The page cache keeps the panel for the minute; a profile edit retires the copy."""
    list_partners(demo, settings, PARTNERS[:1])
    assert frame_ancestors(widget.get("/embed/")) == PARTNERS[0]
    assert frame_ancestors(widget.get("/embed/")) == PARTNERS[0]  # now from the cache
    list_partners(demo, settings, PARTNERS[1:])
    assert frame_ancestors(widget.get("/embed/")) == PARTNERS[1]
    list_partners(demo, settings, ())
    response = widget.get("/embed/")
    assert frame_ancestors(response) == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_loopback_partners_frame_the_panel_only_outside_production(
    demo: Session, settings: Settings
) -> None:
    list_partners(demo, settings, ("http://127.0.0.1:8123", PARTNERS[0]))
    profile = get_profile(demo, read_profile_file(settings.profile_path))
    assert partner_origins(profile, production=False) == ("http://127.0.0.1:8123", PARTNERS[0])
    assert partner_origins(profile, production=True) == (PARTNERS[0],)


def test_the_panel_lists_the_lines_open_now_and_the_emergency_numbers(
    widget: FlaskClient, demo: Session
) -> None:
    body = widget.get("/embed/").get_data(as_text=True)
    assert 'id="now-title"' in body
    assert re.search(r'class="now-line now-phone" href="tel:', body)
    assert 'href="tel:119"' in body and 'href="tel:110"' in body
    assert "京丹後市" in body  # the dedicated window is the profile's


def test_the_panel_is_english_under_en(widget: FlaskClient, demo: Session) -> None:
    body = widget.get("/en/embed/").get_data(as_text=True)
    assert '<html lang="en">' in body
    assert "See more on Tsunagu" in body
    assert 'action="/en/directory"' in body


def test_the_search_and_every_link_open_the_full_site_in_a_new_tab(
    widget: FlaskClient, demo: Session
) -> None:
    body = widget.get("/embed/").get_data(as_text=True)
    assert '<base target="_blank">' in body
    assert re.search(r'<form method="get" action="/directory"[^>]*>', body)
    assert 'name="q"' in body
    assert 'href="/"' in body  # つなぐでもっと見る: the full site's home page
    assert "<script" not in body and "style=" not in body
    assert 'target="_top"' not in body
    page = widget.get("/directory", query_string={"q": "借金"})
    assert page.status_code == 200 and "借金" in page.get_data(as_text=True)


def test_the_panel_has_no_header_or_footer(widget: FlaskClient, demo: Session) -> None:
    body = widget.get("/embed/").get_data(as_text=True)
    assert "site-header" not in body and "site-footer" not in body
    assert "quick-exit" not in body


def test_an_origin_a_policy_would_misread_is_never_sent(
    settings: Settings, clean_db: object
) -> None:
    """Defence in depth: whatever the stored list holds, only scheme://host[:port] reaches the
    header (the profile validates the list too)."""
    app = create_public_app(replace(settings, cache_url="none"))
    hostile = ("https://ok.example.jp", "https://a.example; script-src *", "'self'", "*")

    @app.route("/framed-test")
    def framed() -> str:
        return "framed"

    from core.security import framed_by

    framed_by(lambda: hostile)(framed)
    response = app.test_client().get("/framed-test")
    assert frame_ancestors(response) == "https://ok.example.jp"
    assert "script-src *" not in response.headers["Content-Security-Policy"]
