"""The public page cache: pages rendered once a minute per address, language and content version;
cleared by every change to public content, from whichever process; never for card scans,
errors or anything that sets a cookie. Run with the in-process cache and with Redis."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
import redis
import time_machine
from flask import Flask, template_rendered
from flask.testing import FlaskClient
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from cards.batches import create_batch
from cards.designs import get_design
from cards.models import ScanCount
from core.config import DEFAULT_PROFILE, ConfigError, Settings, load_settings
from core.content_version import ContentVersion, bump, read_version
from core.db import get_engine
from core.qr import _remembered, qr_svg
from core.timezone import TOKYO
from directory.models import Service, ServiceArea
from public_site import create_app as create_public_app
from tests.staff import post_form, signed_in_client

REDIS_URL = "redis://127.0.0.1:6379/14"  # this file's own database, emptied around each test
NOON = datetime(2026, 3, 10, 12, 0, 5, tzinfo=TOKYO)  # a Tuesday


@pytest.fixture(params=["simple", REDIS_URL])
def cache_url(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == REDIS_URL:
        storage = redis.Redis.from_url(REDIS_URL)
        storage.flushdb()
        yield request.param
        storage.flushdb()
        storage.close()
    else:
        yield request.param


def make_public_app(settings: Settings, cache_url: str) -> Flask:
    app = create_public_app(replace(settings, cache_url=cache_url))
    app.config["TESTING"] = True
    return app


@pytest.fixture
def site(settings: Settings, clean_db: object, cache_url: str) -> Iterator[Flask]:
    app = make_public_app(settings, cache_url)
    yield app
    get_engine(app).dispose()


@pytest.fixture
def renders(site: Flask) -> Iterator[Counter[str]]:
    """How many times each template was rendered by the public site."""
    counted: Counter[str] = Counter()

    def record(sender: Flask, template: object, context: object, **extra: object) -> None:
        counted[getattr(template, "name", "?")] += 1

    template_rendered.connect(record, site)
    yield counted
    template_rendered.disconnect(record, site)


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def a_service(session: Session) -> Service:
    service = session.scalar(
        select(Service).where(Service.status == "published").order_by(Service.name)
    )
    assert service is not None
    return service


def without_date(headers: object) -> list[tuple[str, str]]:
    """The headers a kept page repeats: not the date, nor the request id (each request's own)."""
    per_request = ("Date", "X-Request-Id")
    return sorted((k, v) for k, v in headers if k not in per_request)  # type: ignore[attr-defined]


# ---- served from the cache ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "template"),
    [
        ("/", "public/home.html"),
        ("/en/", "public/home.html"),
        ("/directory", "public/directory.html"),
        ("/directory?q=%E3%81%93%E3%81%93%E3%82%8D", "public/directory.html"),
        ("/cards", "public/cards.html"),
    ],
)
def test_a_page_served_twice_renders_once(
    site: Flask, demo: Session, renders: Counter[str], clock: object, url: str, template: str
) -> None:
    client = site.test_client()

    first, second = client.get(url), client.get(url)

    assert first.status_code == second.status_code == 200
    assert first.data == second.data
    assert renders[template] == 1


def test_a_service_page_renders_once_and_its_qr_code_is_drawn_once(
    site: Flask, demo: Session, renders: Counter[str], clock: object
) -> None:
    client = site.test_client()
    url = f"/directory/services/{a_service(demo).id}"

    pages = [client.get(url) for _ in range(3)]

    assert {page.status_code for page in pages} == {200}
    assert renders["public/service.html"] == 1
    assert "<svg " in pages[2].get_data(as_text=True)


def test_the_hsds_api_is_served_from_the_cache_with_its_open_data_headers(
    site: Flask, demo: Session, clock: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from directory.hsds import paging

    looked_up = Counter[str]()
    look_up = paging.published_service

    def counted(session: Session, service_id: str) -> object:
        looked_up[service_id] += 1
        return look_up(session, service_id)

    monkeypatch.setattr(paging, "published_service", counted)
    client = site.test_client()
    service_id = a_service(demo).id

    first = client.get(f"/api/hsds/services/{service_id}")
    second = client.get(f"/api/hsds/services/{service_id}")

    assert first.status_code == second.status_code == 200
    assert looked_up == {service_id: 1}
    assert second.data == first.data
    assert second.headers["Access-Control-Allow-Origin"] == "*"
    assert without_date(second.headers) == without_date(first.headers)


def test_the_key_holds_the_language_and_the_query_string(
    site: Flask, demo: Session, renders: Counter[str], clock: object
) -> None:
    client = site.test_client()
    for url in ("/", "/en/", "/", "/en/"):
        assert client.get(url).status_code == 200
    assert renders["public/home.html"] == 2

    for url in ("/directory?q=a&free=1", "/directory?q=b&free=1", "/directory?free=1&q=a"):
        assert client.get(url).status_code == 200
    # Parameters in another order are the same search; another word is another page.
    assert renders["public/directory.html"] == 2
    assert client.get("/directory?q=%61&free=1").status_code == 200  # %61 is "a"
    assert renders["public/directory.html"] == 2


def test_a_page_is_rendered_again_when_the_minute_rolls_over(
    site: Flask, demo: Session, renders: Counter[str], clock: time_machine.Coordinates
) -> None:
    client = site.test_client()
    client.get("/")
    clock.move_to(NOON.replace(second=59))
    client.get("/")
    assert renders["public/home.html"] == 1

    clock.move_to(NOON.replace(minute=1, second=0))
    client.get("/")

    assert renders["public/home.html"] == 2


# ---- cleared by changes -----------------------------------------------------------------------


def test_a_directory_edit_in_the_back_office_shows_at_once(
    site: Flask, backoffice_app: Flask, demo: Session, renders: Counter[str], clock: object
) -> None:
    service = a_service(demo)
    public = site.test_client()
    page_url = f"/directory/services/{service.id}"
    for url in (page_url, "/directory", page_url, "/directory"):
        assert "月曜は休みます" not in public.get(url).get_data(as_text=True)
    assert renders["public/service.html"] == renders["public/directory.html"] == 1

    editor = signed_in_client(backoffice_app, "editor")
    response = post_form(
        editor, f"/directory/services/{service.id}",
        {"name": service.name, "organization_id": service.organization_id, "cost": "free",
         "area": service.area, "status": "published", "hours_note": "月曜は休みます",
         "topics": [t.code for t in service.topics] or ["mental-health"]},
    )  # fmt: skip

    assert response.status_code == 302
    assert "月曜は休みます" in public.get(page_url).get_data(as_text=True)
    public.get("/directory")
    assert renders["public/service.html"] == renders["public/directory.html"] == 2


def test_a_card_design_change_in_the_back_office_clears_the_cards_page(
    site: Flask, backoffice_app: Flask, demo: Session, renders: Counter[str], clock: object
) -> None:
    public = site.test_client()
    public.get("/cards")
    public.get("/cards")
    assert renders["public/cards.html"] == 1
    editor = signed_in_client(backoffice_app, "editor")

    values = design_form(editor)
    values.update(message="話してみませんか。", action="save")
    assert post_form(editor, "/cards/designs/standard", values).status_code == 302
    public.get("/cards")

    assert renders["public/cards.html"] == 2


def test_a_profile_change_clears_the_pages_that_show_it(
    site: Flask, backoffice_app: Flask, demo: Session, clock: object, tmp_path: Path
) -> None:
    public = site.test_client()
    assert "0772-00-9999" not in public.get("/privacy").get_data(as_text=True)
    changed = tmp_path / "profile.toml"
    text = DEFAULT_PROFILE.read_text(encoding="utf-8")
    phone = re.search(r'^phone = "([^"]+)"', text, re.MULTILINE)
    assert phone is not None
    changed.write_text(text.replace(phone.group(0), 'phone = "0772-00-9999"'), encoding="utf-8")

    result = backoffice_app.test_cli_runner().invoke(args=["tsunagu", "profile", str(changed)])

    assert result.exit_code == 0, result.output
    assert "0772-00-9999" in public.get("/privacy").get_data(as_text=True)


def test_a_change_made_in_another_process_is_seen_within_a_second(
    site: Flask, demo: Session, renders: Counter[str], clock: time_machine.Coordinates
) -> None:
    client = site.test_client()
    client.get("/")
    with get_engine(site).begin() as connection:  # as another process commits: the database only
        bump(connection)

    clock.move_to(NOON.replace(microsecond=500_000))
    client.get("/")
    assert renders["public/home.html"] == 1  # the version read half a second ago still holds
    clock.move_to(NOON.replace(second=6, microsecond=100_000))
    client.get("/")

    assert renders["public/home.html"] == 2


def test_a_page_rendered_by_one_process_is_served_by_the_others_through_redis(
    settings: Settings, site: Flask, demo: Session, renders: Counter[str], cache_url: str,
    clock: object,
) -> None:  # fmt: skip
    other = make_public_app(settings, cache_url)
    rendered_there: list[str] = []
    template_rendered.connect(lambda *a, **k: rendered_there.append("x"), other, weak=False)
    first = site.test_client().get("/")

    page = other.test_client().get("/")

    assert first.status_code == page.status_code == 200
    assert renders["public/home.html"] == 1
    # Redis is shared by every process; the simple cache is each process's own.
    assert len(rendered_there) == (0 if cache_url.startswith("redis://") else 1)
    assert page.data == first.data
    get_engine(other).dispose()


def test_bulk_writes_bump_the_version_and_card_scans_do_not(demo: Session) -> None:
    before = read_version(demo.connection())
    service = a_service(demo)
    demo.execute(
        insert(ServiceArea), [{"service_id": service.id, "name": "丹後", "extent_type": ""}]
    )
    demo.commit()
    after_bulk = read_version(demo.connection())
    design = get_design(demo)
    assert design is not None
    batch = create_batch(
        demo, design=design, actor=None, purpose="home_visit", quantity=20, note=""
    )
    demo.commit()
    after_batch = read_version(demo.connection())
    demo.add(ScanCount(batch_id=batch.id, day=NOON.date(), count=1))
    demo.commit()

    assert before < after_bulk < after_batch
    assert read_version(demo.connection()) == after_batch
    assert demo.scalar(select(func.count()).select_from(ContentVersion)) == 1


# ---- never cached ----------------------------------------------------------------------------


def test_every_scan_still_reaches_its_view_and_is_counted(
    site: Flask, demo: Session, renders: Counter[str], clock: object
) -> None:
    design = get_design(demo)
    assert design is not None
    batch = create_batch(
        demo, design=design, actor=None, purpose="home_visit", quantity=20, note=""
    )
    demo.commit()
    client = site.test_client()

    pages = [client.get(f"/c/{batch.code}") for _ in range(3)]

    assert {page.status_code for page in pages} == {200}
    assert renders["public/scan.html"] == 3
    demo.expire_all()
    counted = demo.scalar(select(func.sum(ScanCount.count)).where(ScanCount.batch_id == batch.id))
    assert counted == 3
    assert all(page.headers["Cache-Control"] == "no-store" for page in pages)


def test_a_404_of_a_page_is_cached_and_one_of_an_unknown_address_is_not(
    site: Flask, demo: Session, renders: Counter[str], clock: object
) -> None:
    client = site.test_client()
    for _ in range(2):
        assert client.get("/directory/services/no-such-service").status_code == 404
    assert renders["public/error.html"] == 1

    for _ in range(2):
        assert client.get("/no/such/address").status_code == 404

    assert renders["public/error.html"] == 3


def test_headers_are_identical_on_a_cached_page(
    site: Flask, demo: Session, renders: Counter[str], clock: object
) -> None:
    client = site.test_client()

    first, second = client.get("/en/directory"), client.get("/en/directory")

    assert renders["public/directory.html"] == 1
    assert without_date(second.headers) == without_date(first.headers)
    assert "script-src 'self'" in second.headers["Content-Security-Policy"]
    assert second.headers["X-Frame-Options"] == "DENY"
    head = client.head("/en/directory")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]


def test_no_cookie_is_ever_set_and_a_page_that_sets_one_is_never_cached(
    site: Flask, demo: Session, clock: object
) -> None:
    calls = Counter[str]()

    def with_cookie() -> tuple[str, int, dict[str, str]]:
        calls["cookie"] += 1
        return "ok", 200, {"Set-Cookie": "tracked=1"}

    def failing() -> tuple[str, int]:
        calls["error"] += 1
        return "busy", 503

    site.add_url_rule("/__cookie", "public.with_cookie", with_cookie)
    site.add_url_rule("/__busy", "public.failing", failing)
    client = site.test_client()

    responses = [client.get(url) for url in ("/", "/", "/en/directory", "/en/directory")]
    for url in ("/__cookie", "/__cookie", "/__busy", "/__busy"):
        client.get(url)

    assert all("Set-Cookie" not in response.headers for response in responses)
    assert calls == {"cookie": 2, "error": 2}


# ---- parts -----------------------------------------------------------------------------------


def test_a_qr_code_of_a_public_address_is_drawn_once_and_a_secret_never_kept() -> None:
    _remembered.cache_clear()
    address = "https://tsunagu.test/directory/services/abc"
    first = qr_svg(address, "このページのQRコード")
    second = qr_svg(address, "このページのQRコード")
    secret = "otpauth://totp/Tsunagu:staff1?secret=JBSWY3DPEHPK3PXP&issuer=Tsunagu"
    qr_svg(secret, "二段階認証の登録用QRコード")

    assert first is second
    assert _remembered.cache_info().hits == 1
    assert _remembered.cache_info().currsize == 1  # the enrolment URI is kept nowhere


@pytest.mark.parametrize("value", ["memcached://127.0.0.1", "redis", "filesystem"])
def test_an_unknown_cache_setting_is_refused_with_one_line(value: str) -> None:
    with pytest.raises(ConfigError, match="TSUNAGU_CACHE_URL"):
        load_settings({"TSUNAGU_ENV": "test", "TSUNAGU_CACHE_URL": value})


def test_the_cache_can_be_switched_off(settings: Settings, demo: Session, clean_db: object) -> None:
    app = make_public_app(settings, "none")
    counted: list[str] = []
    template_rendered.connect(lambda *a, **k: counted.append("x"), app, weak=False)
    client = app.test_client()

    client.get("/")
    client.get("/")

    assert len(counted) == 2
    get_engine(app).dispose()


def design_form(client: FlaskClient) -> dict[str, str]:
    html = client.get("/cards/designs/standard").get_data(as_text=True)
    values = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', html))
    for name, text in re.findall(r'<textarea[^>]*name="(\w+)"[^>]*>\n?([^<]*)</textarea>', html):
        values[name] = text
    values.pop("csrf_token", None)
    return {k: v.replace("&amp;", "&") for k, v in values.items()}


@pytest.mark.postgres_only
def test_the_public_role_reads_the_version_and_only_the_back_office_changes_it(
    tmp_path: Path,
) -> None:
    from core.db import Base
    from core.dbroles import apply_role_grants
    from tests.test_db_roles import (
        acting_as,
        assert_denied,
        drop_roles,
        migrated_database,
        unique_roles,
    )

    public, backoffice = unique_roles()
    with migrated_database(tmp_path) as engine:
        try:
            apply_role_grants(engine, Base.metadata, public_role=public, backoffice_role=backoffice)
            with acting_as(engine, backoffice) as connection:
                bump(connection)
                connection.commit()
            with acting_as(engine, public) as connection:
                assert read_version(connection) == 1
            assert_denied(engine, public, "UPDATE content_version SET version = 0")
        finally:
            drop_roles(engine, public, backoffice)


def test_pages_are_served_when_redis_cannot_be_reached(
    settings: Settings, demo: Session, clean_db: object, clock: object
) -> None:
    app = make_public_app(settings, "redis://127.0.0.1:1/0")  # nothing listens there
    counted: list[str] = []
    template_rendered.connect(lambda *a, **k: counted.append("x"), app, weak=False)
    client = app.test_client()

    pages = [client.get("/"), client.get("/")]

    assert [page.status_code for page in pages] == [200, 200]
    assert len(counted) == 1  # each process still keeps its own copy
    get_engine(app).dispose()


def test_the_minute_follows_the_clock_a_test_sets_for_the_pages(
    site: Flask, demo: Session, renders: Counter[str], clock: object
) -> None:
    shown = [NOON.replace(hour=2, minute=30)]
    site.config["TSUNAGU_CLOCK"] = lambda: shown[0]
    client = site.test_client()
    client.get("/")
    client.get("/")
    assert renders["public/home.html"] == 1

    shown[0] = NOON.replace(hour=2, minute=31)
    client.get("/")

    assert renders["public/home.html"] == 2
