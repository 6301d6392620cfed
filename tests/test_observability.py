"""What operators see: a JSON line per request without who asked or what they searched for, a
request id, metrics per endpoint (front-cache pages included) only to this machine, and health
and readiness answers that set no cookie and are never kept."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from prometheus_client import REGISTRY
from sqlalchemy import Column, Integer, MetaData, Table, select
from sqlalchemy.orm import Session

from core.config import Settings
from core.db import Base, get_engine, make_engine
from core.readiness import _catalogue_reason, not_ready_because
from directory.models import Service
from public_site import create_app as create_public_app

SEARCH_WORDS = "ひみつのことば"
STRANGER = "203.0.113.77"


@pytest.fixture
def site(settings: Settings, clean_db: object) -> Iterator[Flask]:
    app = create_public_app(replace(settings, cache_url="simple"))
    app.config["TESTING"] = True
    yield app
    get_engine(app).dispose()


def request_lines(err: str) -> list[dict]:
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    return [line for line in lines if line["logger"] == "tsunagu.requests"]


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def services(session: Session) -> list[Service]:
    return list(session.scalars(select(Service).where(Service.status == "published").limit(2)))


def test_each_request_is_one_json_line_without_address_query_or_search_words(
    site: Flask, demo: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    client = site.test_client()
    capsys.readouterr()

    response = client.get(
        "/directory", query_string={"q": SEARCH_WORDS}, environ_base={"REMOTE_ADDR": STRANGER}
    )

    err = capsys.readouterr().err
    (line,) = request_lines(err)
    assert line["endpoint"] == "directory.search" and line["route"] == "/directory"
    assert line["status"] == 200 and line["method"] == "GET" and line["app"] == "public"
    assert line["request_id"] == response.headers["X-Request-Id"]
    assert isinstance(line["duration_ms"], float) and line["cache"] == "miss"
    for secret in (STRANGER, SEARCH_WORDS, "q=", "%E3%81%B2"):
        assert secret not in err


def test_a_service_page_is_logged_by_its_route_not_its_address(
    site: Flask, demo: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    service = services(demo)[0]
    capsys.readouterr()

    site.test_client().get(f"/directory/services/{service.id}")

    (line,) = request_lines(capsys.readouterr().err)
    assert line["route"] == "/directory/services/<service_id>"
    assert service.id not in json.dumps(line)


def test_request_ids_are_made_here_and_differ(site: Flask, demo: Session) -> None:
    client = site.test_client()
    given = "f" * 32

    first = client.get("/", headers={"X-Request-Id": given})
    second = client.get("/", headers={"X-Request-Id": given})

    ids = {first.headers["X-Request-Id"], second.headers["X-Request-Id"]}
    assert len(ids) == 2 and given not in ids  # a client's id is not believed
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


def test_behind_the_trusted_proxy_its_well_formed_request_id_is_kept(
    settings: Settings, clean_db: object
) -> None:
    app = create_public_app(replace(settings, trusted_proxy_count=1))
    client = app.test_client()
    from_proxy = "0123456789abcdef0123456789abcdef"

    kept = client.get("/no-such-page", headers={"X-Request-Id": from_proxy})
    malformed = client.get("/no-such-page", headers={"X-Request-Id": "short; <script>"})

    assert kept.headers["X-Request-Id"] == from_proxy
    assert malformed.headers["X-Request-Id"] != "short; <script>"
    get_engine(app).dispose()


def test_a_page_from_the_front_cache_is_counted_logged_and_given_its_own_id(
    site: Flask, demo: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    client = site.test_client()
    front = {"app": "public", "result": "front"}
    requests = {"app": "public", "endpoint": "public.home", "method": "GET", "status": "200"}
    before = sample("tsunagu_page_cache_lookups_total", **front)
    before_home = sample("tsunagu_requests_total", **requests)
    capsys.readouterr()

    client.get("/")
    client.get("/")

    first, second = request_lines(capsys.readouterr().err)
    assert (first["cache"], second["cache"]) == ("miss", "front")
    assert second["endpoint"] == "public.home" and second["route"] == "/"
    assert first["request_id"] != second["request_id"]
    assert sample("tsunagu_page_cache_lookups_total", **front) == before + 1
    assert sample("tsunagu_requests_total", **requests) == before_home + 2


def test_metrics_are_counted_by_endpoint_never_by_address(site: Flask, demo: Session) -> None:
    client = site.test_client()
    first, second = services(demo)
    labels = {"app": "public", "endpoint": "directory.service", "method": "GET", "status": "200"}
    before = sample("tsunagu_requests_total", **labels)

    client.get(f"/directory/services/{first.id}")
    client.get(f"/directory/services/{second.id}", query_string={"q": SEARCH_WORDS})
    exposed = client.get("/metrics").get_data(as_text=True)

    assert sample("tsunagu_requests_total", **labels) == before + 2
    assert 'tsunagu_request_duration_seconds_bucket{app="public",endpoint="directory.service"' in (
        exposed
    )
    for secret in (first.id, second.id, SEARCH_WORDS, "127.0.0.1"):
        assert secret not in exposed


def test_database_pool_use_is_measured(site: Flask, demo: Session) -> None:
    in_use = sample("tsunagu_db_pool_in_use", app="public")

    site.test_client().get("/directory")

    assert sample("tsunagu_db_pool_open", app="public") >= 1
    assert sample("tsunagu_db_pool_limit", app="public") >= 1
    assert sample("tsunagu_db_pool_in_use", app="public") == in_use  # given back after


def test_metrics_answer_only_a_request_made_straight_from_this_machine(site: Flask) -> None:
    client = site.test_client()

    straight = client.get("/metrics")
    stranger = client.get("/metrics", environ_base={"REMOTE_ADDR": STRANGER})
    proxied = client.get("/metrics", headers={"X-Forwarded-For": "192.0.2.1"})

    assert straight.status_code == 200 and straight.mimetype == "text/plain"
    assert "tsunagu_requests_total" in straight.get_data(as_text=True)
    assert "Set-Cookie" not in straight.headers
    assert straight.headers["Cache-Control"] == "no-store"
    for refused in (stranger, proxied):
        assert refused.status_code == 404
        assert "tsunagu_requests_total" not in refused.get_data(as_text=True)


def test_back_office_metrics_are_refused_to_others_as_any_unknown_address(
    backoffice_app: Flask,
) -> None:
    client = backoffice_app.test_client()

    refused = client.get("/metrics", environ_base={"REMOTE_ADDR": STRANGER})
    straight = client.get("/metrics")

    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    assert straight.status_code == 200
    assert 'app="backoffice"' in straight.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_and_readiness_set_no_cookie_and_are_never_kept(
    site: Flask, backoffice_app: Flask, path: str
) -> None:
    for app in (site, backoffice_app):
        response = app.test_client().get(path)
        assert response.status_code == 200, app.name
        assert response.headers["Cache-Control"] == "no-store"
        assert "Set-Cookie" not in response.headers
    assert site.test_client().get("/readyz").get_data(as_text=True) == "ready\n"


def test_an_unreachable_database_is_not_ready_but_the_process_is_alive(
    settings: Settings, tmp_path: Path
) -> None:
    missing = tmp_path / "no such folder" / "tsunagu.sqlite3"
    app = create_public_app(replace(settings, database_url=f"sqlite:///{missing}"))
    client = app.test_client()

    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_data(as_text=True) == "not ready: database unreachable\n"


def test_a_database_not_migrated_to_the_code_is_not_ready(
    settings: Settings, tmp_path: Path
) -> None:
    app = create_public_app(replace(settings, database_url=f"sqlite:///{tmp_path / 'new.db'}"))

    ready = app.test_client().get("/readyz")

    assert ready.status_code == 503
    assert "schema is not the code's" in ready.get_data(as_text=True)
    get_engine(app).dispose()


def test_a_migrated_database_is_ready(clean_db: object, database_url: str) -> None:
    engine = make_engine(database_url)
    assert not_ready_because(engine) is None
    engine.dispose()


@pytest.mark.postgres_only
def test_without_alembic_s_table_the_catalogue_must_hold_every_declared_column(
    clean_db: object, database_url: str
) -> None:
    engine = make_engine(database_url)
    newer = MetaData()
    Table("service", newer, Column("column_of_a_later_migration", Integer))
    with engine.connect() as connection:
        assert _catalogue_reason(connection, Base.metadata) is None
        assert "lacks tables or columns" in (_catalogue_reason(connection, newer) or "")
    engine.dispose()
