"""The widget's snippet in the back office: administrators copy one <iframe> per language,
sandboxed to what the panel needs, pointing at the public site's /embed/; nobody else sees it."""

from __future__ import annotations

import re
from dataclasses import replace
from html import unescape

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from backoffice.settings.embed_snippet import SANDBOX, embed_snippet
from core.config import Settings
from core.profile import get_profile, read_profile_file, store_profile
from tests.staff import signed_in_client

PAGE = "/settings/embed"


def snippets(body: str) -> list[str]:
    return [unescape(found) for found in re.findall(r"<textarea[^>]*>([^<]*)</textarea>", body)]


def test_the_snippet_is_one_sandboxed_iframe_of_the_panel() -> None:
    html = embed_snippet("https://tsunagu.example.jp/", "京丹後市").html
    assert html.startswith('<iframe src="https://tsunagu.example.jp/embed/" ')
    assert html.endswith("></iframe>") and "\n" not in html
    assert 'title="京丹後市 こころの相談窓口案内（つなぐ）"' in html
    assert 'loading="lazy"' in html and 'referrerpolicy="no-referrer"' in html
    assert re.search(r' width="\d+" height="\d+"', html)
    tokens = set(re.search(r'sandbox="([^"]*)"', html).group(1).split())  # type: ignore[union-attr]
    assert tokens == set(SANDBOX.split())
    assert {"allow-popups", "allow-popups-to-escape-sandbox", "allow-forms"} <= tokens
    assert not tokens & {"allow-scripts", "allow-top-navigation", "allow-modals"}
    assert "<script" not in html


def test_each_language_has_its_own_address_and_title() -> None:
    english = embed_snippet("https://tsunagu.example.jp", "Kyotango City", "en").html
    easy = embed_snippet("https://tsunagu.example.jp", "京丹後市", "easy").html
    assert 'src="https://tsunagu.example.jp/en/embed/"' in english
    assert 'title="Kyotango City: where to talk when things are hard (Tsunagu)"' in english
    assert 'src="https://tsunagu.example.jp/easy/embed/"' in easy


def test_a_title_cannot_break_out_of_its_attribute() -> None:
    html = embed_snippet("https://tsunagu.example.jp", '"><script>x</script>').html
    assert "<script>" not in html and "&quot;&gt;&lt;script&gt;" in html


def test_every_address_is_a_page_of_the_public_site(public_app: Flask) -> None:
    routes = {rule.rule for rule in public_app.url_map.iter_rules()}
    for lang in ("ja", "easy", "en"):
        src = embed_snippet("https://tsunagu.test", "市", lang).html.split('"')[1]
        assert src.removeprefix("https://tsunagu.test") in routes


def test_an_administrator_copies_the_snippets_and_sees_the_listed_origins(
    backoffice_app: Flask, demo: Session, settings: Settings
) -> None:
    profile = get_profile(demo, read_profile_file(settings.profile_path))
    store_profile(demo, replace(profile, partner_origins=("https://www.city.example.lg.jp",)))
    demo.commit()
    body = signed_in_client(backoffice_app, "admin").get(PAGE).get_data(as_text=True)
    copied = snippets(body)
    assert len(copied) == 3
    assert copied[0] == embed_snippet(settings.public_base_url, "京丹後市", "ja").html
    assert "https://www.city.example.lg.jp" in body
    assert 'href="/settings/profile"' in body


def test_with_no_origin_listed_the_page_says_the_widget_shows_nowhere(
    backoffice_app: Flask, demo: Session
) -> None:
    body = signed_in_client(backoffice_app, "admin").get(PAGE).get_data(as_text=True)
    assert "まだ登録されていません" in body


def test_the_profile_page_links_to_the_snippets(backoffice_app: Flask, demo: Session) -> None:
    body = signed_in_client(backoffice_app, "admin").get("/settings/profile").get_data(True)
    assert f'href="{PAGE}"' in body


@pytest.mark.parametrize("role", ["coordinator", "liaison", "analyst", "editor", "auditor"])
def test_every_other_role_is_refused(backoffice_app: Flask, demo: Session, role: str) -> None:
    answer = signed_in_client(backoffice_app, role).get(PAGE)
    assert answer.status_code == 403
    assert "<iframe" not in answer.get_data(as_text=True)
