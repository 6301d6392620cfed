"""The public site: a home page that helps first, in Japanese and English, and error pages that
still show where to get help."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, time
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.config import Settings
from core.i18n import LANGUAGES
from core.profile import profile_from_mapping, read_profile_file, store_profile
from directory.models import Language, Organization, Schedule, Service
from directory.search.reindex import reindex
from public_site import create_app as create_public_app
from tests.conftest import NEUTRAL_URL
from tests.helpers import get_urls, without_phrase_breaks


class PageText(HTMLParser):
    """A page's text as read (tags, <wbr> included, left out), and the service names listed."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.names: list[str] = []
        self._skip = 0
        self._name: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "rt", "rp"):  # furigana's readings are not the text
            self._skip += 1
        if "service-name" in (dict(attrs).get("class") or "").split():
            self._name = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "rt", "rp"):
            self._skip -= 1
        if tag in ("h1", "h2", "h3", "h4") and self._name is not None:
            self.names.append("".join(self._name).strip())
            self._name = None

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)
            if self._name is not None:
                self._name.append(data)


def page_text(html: str) -> str:
    parser = PageText()
    parser.feed(html)
    return "".join(parser.parts)


def listed_names(html: str) -> list[str]:
    parser = PageText()
    parser.feed(html)
    return parser.names


def page(client: FlaskClient, app: Flask, endpoint: str, **values) -> str:
    with app.test_request_context():
        url = url_for(endpoint, **values)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_home_shows_the_dedicated_window_first_then_channels_then_emergency(
    client: FlaskClient, public_app: Flask, demo: Session
) -> None:
    html = page(client, public_app, "public.home")

    window = html.index('id="dedicated-window-title"')
    national = html.index('id="national-title"')
    emergency = html.index('id="emergency-help-title"')
    directory_link = html.index('id="find-more-title"')
    assert window < national < emergency < directory_link
    assert "京丹後市 連携自治体専用相談窓口" in without_phrase_breaks(html)
    assert 'href="tel:119"' in html and 'href="tel:110"' in html
    assert 'href="tel:0772690350"' in html


def test_home_says_plainly_when_the_window_is_a_placeholder(
    client: FlaskClient, public_app: Flask, demo: Session
) -> None:
    html = page(client, public_app, "public.home")

    assert "デモ表示" in html
    assert "dedicated-window.example" not in html


def test_home_links_to_a_configured_window(
    client: FlaskClient, public_app: Flask, demo: Session, settings: Settings
) -> None:
    profile = replace(
        read_profile_file(settings.profile_path),
        dedicated_window_url="https://line.me/R/ti/p/@tsunagu-test",
    )
    store_profile(demo, profile)
    demo.commit()

    html = page(client, public_app, "public.home")

    assert 'href="https://line.me/R/ti/p/@tsunagu-test"' in html
    assert "デモ表示" not in html


def test_home_channels_come_from_the_directory(
    client: FlaskClient, public_app: Flask, demo: Session
) -> None:
    service = demo.scalar(select(Service).where(Service.name == "よりそいホットライン"))
    assert service is not None
    assert "よりそいホットライン" in page(client, public_app, "public.home")

    service.status = "archived"
    demo.commit()

    assert "よりそいホットライン" not in page(client, public_app, "public.home")


def test_home_shows_hours_but_not_where_the_facts_come_from(
    client: FlaskClient, public_app: Flask, demo: Session
) -> None:
    html = page(client, public_app, "public.home")

    assert 'href="tel:0120279338"' in html
    assert "24時間・365日" in html
    # Sources and their dates are for staff; a service page links one official page.
    assert "情報の出典" not in html
    assert "2024-05-16" not in html and "hurights" not in html


def test_english_home_is_translated_and_marks_japanese_data(
    client: FlaskClient, public_app: Flask, demo: Session
) -> None:
    html = page(client, public_app, "public.home", lang="en")

    assert '<html lang="en">' in html
    assert "Leave now" in html and "すぐに閉じる" not in html
    assert "If a life is in danger right now" in html
    assert 'lang="ja"' in html  # what has no English yet: the window's hours
    assert 'href="/en/directory"' in html


def test_language_switch_keeps_the_page(client: FlaskClient, public_app: Flask) -> None:
    html = page(client, public_app, "public.privacy")
    english = page(client, public_app, "public.privacy", lang="en")

    assert 'href="/en/privacy"' in html
    assert 'href="/privacy"' in english


def test_every_public_page_offers_quick_exit_and_help(
    public_app: Flask, client: FlaskClient, demo: Session
) -> None:
    for url in [
        u
        for u in get_urls(public_app)
        if not u.startswith(("/static", "/healthz", "/api/"))
        and not u.endswith(("/sw.js", "/manifest.webmanifest"))  # a script and a JSON file
    ]:
        html = client.get(url).get_data(as_text=True)
        assert 'href="tel:119"' in html, url
        if url.endswith("/embed/"):
            # A panel inside a partner's page: leaving is the partner page's to offer, since
            # a frame can only open the neutral page in a new tab, leaving the page in view.
            continue
        assert f'href="{NEUTRAL_URL}"' in html and "data-quick-exit" in html, url


def test_privacy_page_says_honestly_what_quick_exit_cannot_clear(
    client: FlaskClient, public_app: Flask
) -> None:
    """Leaving replaces the page in view only: the pages seen before it stay in the history,
    and someone hiding what they read needs to know how to keep none."""
    pages = {lang: page(client, public_app, "public.privacy", lang=lang) for lang in LANGUAGES}

    assert "プライベートブラウズ" in pages["ja"] and "履歴" in pages["ja"]
    assert "private (incognito) mode" in pages["en"]
    assert "シークレットモード" in pages["easy"]
    assert all('id="history"' in html for html in pages.values())


def test_privacy_page_says_what_is_not_collected(client: FlaskClient, public_app: Flask) -> None:
    html = page(client, public_app, "public.privacy")

    assert "Cookie" in html
    assert "IPアドレス" in html


def test_accessibility_page_states_the_jis_target(client: FlaskClient, public_app: Flask) -> None:
    html = page(client, public_app, "public.accessibility")

    assert "JIS X 8341-3:2016" in html
    assert "AA" in html


def test_directory_lists_every_published_service_local_first(
    client: FlaskClient, public_app: Flask, demo: Session
) -> None:
    published = set(demo.scalars(select(Service.name).where(Service.status == "published")))
    first = page(client, public_app, "directory.search")
    second = page(client, public_app, "directory.search", page=2)

    assert len(published) == 37
    assert "37件の相談先" in first
    listed = listed_names(first) + listed_names(second)
    assert published <= set(listed)
    local = demo.scalar(select(Service.name).where(Service.area == "municipality"))
    national = demo.scalar(select(Service.name).where(Service.area == "national"))
    assert local in listed and national not in listed[: listed.index(local)]


def test_links_within_a_search_keep_only_what_the_search_reads(
    client: FlaskClient, public_app: Flask, demo: Session
) -> None:
    html = page(
        client, public_app, "directory.search", free="1", per_page="5", fbclid="1", utm_source="x"
    )

    hrefs = [unescape(h) for h in re.findall(r'href="([^"]*)"', html)]
    links = [link for link in hrefs if "/directory?" in link]
    assert any("page=2" in link for link in links)  # the pager
    assert any("/en/directory?" in link and "free=1" in link for link in links)  # languages
    assert not [link for link in links if "fbclid" in link or "utm_" in link]


def test_services_to_verify_show_no_box_to_residents(
    client: FlaskClient, public_app: Flask, demo: Session
) -> None:
    to_check = demo.scalars(select(Service).where(Service.needs_check)).all()

    assert to_check
    for service in to_check:
        html = page(client, public_app, "directory.service", service_id=service.id)
        assert "要確認" not in html and "badge-check" not in html


def test_service_page_shows_hours_status_and_a_qr_code(
    client: FlaskClient, public_app: Flask, demo: Session
) -> None:
    service = demo.scalar(select(Service).where(Service.name == "チャイルドライン"))
    assert service is not None

    html = page(client, public_app, "directory.service", service_id=service.id)

    assert "16:00–21:00" in html
    assert "12月29日〜1月3日は休み" in html
    assert 'class="qr-code"' in html and "このページのQRコード" in html
    assert 'href="tel:0120997777"' in html


def test_every_listing_shows_its_state_now_in_both_languages(
    client: FlaskClient, public_app: Flask, demo: Session, time_machine
) -> None:
    time_machine.move_to(datetime(2026, 3, 10, 1, 0, tzinfo=UTC), tick=False)  # Tue 10:00, Tokyo
    shown = demo.scalar(select(func.count()).where(Service.status == "published"))

    html = page(client, public_app, "directory.search", per_page=50)
    states = re.findall(r'<p class="status status-(\w+)">', html)

    # Services without weekly hours in the data say to read the hours given, never nothing.
    assert len(states) == shown and {"closed", "unknown"} <= set(states)
    assert "受付時間の案内をご確認ください" in html
    # Without hours in the data at all, the listing says they are being prepared.
    assert "受付時間の情報は準備中です。" in html
    child = demo.scalar(select(Service).where(Service.name == "チャイルドライン"))
    assert child is not None
    english = client.get(f"/en/directory/services/{child.id}").get_data(as_text=True)
    assert "Closed now" in english and "Next open: Tue 10 Mar 16:00" in english


def test_the_language_filter_offers_the_languages_services_offer(
    client: FlaskClient, public_app: Flask, demo: Session
) -> None:
    service = demo.scalar(select(Service).where(Service.name == "チャイルドライン"))
    assert service is not None
    service.languages.append(Language(code="vi", name="Tiếng Việt"))
    demo.commit()
    reindex(demo, [service.id])
    demo.commit()

    html = page(client, public_app, "directory.search")
    assert 'value="vi"' in html and "ベトナム語" in html and 'value="en"' in html
    offering = demo.scalar(
        select(func.count(func.distinct(Language.service_id)))
        .join(Service, Service.id == Language.service_id)
        .where(Language.code == "vi", Service.status == "published")
    )
    found = page(client, public_app, "directory.search", languages="vi")
    assert "チャイルドライン" in found and f"{offering}件の相談先" in found
    details = page(client, public_app, "directory.service", service_id=service.id)
    assert "ベトナム語" in details
    english = client.get("/en/directory?languages=vi").get_data(as_text=True)
    assert "Vietnamese" in english


def test_unpublished_or_unknown_service_pages_are_not_found(
    client: FlaskClient, demo: Session
) -> None:
    service = demo.scalar(select(Service).where(Service.name == "チャイルドライン"))
    assert service is not None
    service.status = "draft"
    demo.commit()

    assert client.get(f"/directory/services/{service.id}").status_code == 404
    assert client.get("/directory/services/" + "x" * 500).status_code == 404


def test_topic_page_lists_services_of_that_topic(
    client: FlaskClient, public_app: Flask, demo: Session
) -> None:
    html = page(client, public_app, "directory.topic", code="debt")

    text = page_text(html)
    assert "借金・お金の相談先" in text and "貸金業相談・紛争解決センター" in text
    assert client.get("/directory/topics/no-such-topic").status_code == 404


def test_search_without_results_never_ends_in_a_dead_end(
    client: FlaskClient, public_app: Flask, demo: Session
) -> None:
    html = page(client, public_app, "directory.search", q="存在しないことば", areas="municipality")

    assert "見つかりませんでした" in html
    assert 'href="tel:119"' in html
    # The window itself, the national lines with their state, and ways to find more.
    assert 'id="dedicated-window-title"' in html
    assert "相談すると、どうなるの？" in without_phrase_breaks(html)
    assert "電話・SNSの相談窓口" in without_phrase_breaks(html)
    assert html.count('class="service-summary"') >= 2
    assert html.count('<p class="status status-') == html.count('class="service-summary"')
    assert "ほかの言い方" in html and "すべての相談先を見る" in html


def test_a_filter_that_empties_the_result_is_offered_for_removal(
    client: FlaskClient, public_app: Flask, demo: Session
) -> None:
    html = page(client, public_app, "directory.search", q="いじめ", languages="en")

    assert "見つかりませんでした" in html
    assert "「言語」の条件を外す" in html


def test_odd_input_gets_a_normal_page(client: FlaskClient, demo: Session) -> None:
    for q in (
        "x" * 10_000,
        "\x07\u202e",
        "'; DROP TABLE service; --",
        "<script>alert(1)</script>",
    ):
        response = client.get("/directory", query_string={"q": q, "page": "-5", "topics": "zzz"})
        assert response.status_code == 200
        assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    # A NUL is refused before any view (core.security), on a page that still shows help.
    refused = client.get("/directory", query_string={"q": "\x00\x07"})
    assert refused.status_code == 400 and 'href="tel:119"' in refused.get_data(as_text=True)


def url_for_home(app: Flask) -> str:
    with app.test_request_context():
        return url_for("public.home")


def test_not_found_page_shows_emergency_numbers(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    english = client.get("/en/no-such-page")

    assert response.status_code == 404
    assert 'href="tel:119"' in response.get_data(as_text=True)
    assert "We could not find that page" in english.get_data(as_text=True)


def test_server_error_page_helps_even_when_the_database_is_down(
    settings: Settings, tmp_path: Path
) -> None:
    broken = replace(settings, database_url=f"sqlite:///{tmp_path}/missing/dir/db.sqlite3")
    app = create_public_app(broken)

    response = app.test_client().get("/")

    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert 'href="tel:119"' in html and 'href="tel:0772690350"' in html
    assert "Set-Cookie" not in response.headers


def test_health_check_answers_when_the_database_does(client: FlaskClient) -> None:
    assert client.get("/healthz").get_data(as_text=True) == "ok\n"


def test_pages_load_nothing_from_other_hosts(
    public_app: Flask, client: FlaskClient, demo: Session
) -> None:
    for url in [
        u
        for u in get_urls(public_app)
        if not u.startswith(("/static", "/healthz", "/api/"))
        and not u.endswith(("/sw.js", "/manifest.webmanifest"))  # a script and a JSON file
    ]:
        collector = ResourceCollector()
        collector.feed(client.get(url).get_data(as_text=True))
        foreign = [src for src in collector.resources if re.match(r"^(https?:)?//", src)]
        assert foreign == [], url


class ResourceCollector(HTMLParser):
    """Collects what a page would load by itself: scripts, styles, images, frames."""

    def __init__(self) -> None:
        super().__init__()
        self.resources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "audio", "video") and values.get("src"):
            self.resources.append(values["src"] or "")
        if tag == "link" and values.get("rel") in ("stylesheet", "icon", "preload"):
            self.resources.append(values.get("href") or "")


def test_profile_validation_names_missing_fields() -> None:
    import pytest

    from core.profile import ProfileError

    with pytest.raises(ProfileError, match=r"name.*dedicated_window\.name"):
        profile_from_mapping({"slug": "x", "section": "s", "phone": "1", "dedicated_window": {}})


def test_directory_filters_by_the_profiles_districts(
    client: FlaskClient, public_app: Flask, demo: Session
) -> None:
    html = page(client, public_app, "directory.search", per_page=50)
    assert 'name="areas" value="峰山町"' in html

    local = page(client, public_app, "directory.search", areas="峰山町")

    city = demo.scalars(select(Service.name).where(Service.area == "municipality")).all()
    national = demo.scalars(select(Service.name).where(Service.area == "national")).all()
    assert city and set(city) <= set(listed_names(local))
    assert national and set(national) & set(listed_names(html))
    assert not set(national) & set(listed_names(local))
    assert 'value="峰山町" id="district-1" checked' in local


def test_an_estimated_total_is_shown_as_about(
    client: FlaskClient, public_app: Flask, session: Session
) -> None:
    organization = Organization(id="org-always", name="いつでも相談会")
    for number in range(40):
        session.add(
            Service(
                id=f"always-{number}",
                organization=organization,
                name=f"いつでも相談 {number}",
                status="published",
                schedules=[
                    Schedule(kind="weekly", weekday=day, opens_at=time(0), closes_at=time(0))
                    for day in range(7)
                ],
            )
        )
    session.flush()
    reindex(session)
    session.commit()

    html = page(client, public_app, "directory.search", open_now="1", per_page=5)
    everything = page(client, public_app, "directory.search", per_page=5)

    assert re.search(r"約\d+件の相談先", html)
    assert "40件の相談先" in everything and "約" not in everything.split("件の相談先")[0][-8:]
