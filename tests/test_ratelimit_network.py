"""Rate limits shared through Redis, and the optional client-network allow-list."""

from __future__ import annotations

import secrets
from dataclasses import replace

import pytest
import redis

from backoffice import create_app as create_backoffice_app
from core.config import ConfigError, Settings
from core.db import get_engine
from tests.staff import post_form

REDIS_URL = "redis://127.0.0.1:6379/15"


def test_sign_in_attempts_per_address_are_limited_in_redis(settings: Settings, clean_db) -> None:
    client_redis = redis.Redis.from_url(REDIS_URL)
    client_redis.ping()
    app = create_backoffice_app(replace(settings, ratelimit_storage_uri=REDIS_URL))
    # Two apps sharing Redis share the count, as two gunicorn workers would.
    other = create_backoffice_app(replace(settings, ratelimit_storage_uri=REDIS_URL))
    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    run = secrets.token_hex(4)  # Redis outlives test runs: keep this run's keys apart
    environ = {"REMOTE_ADDR": address}
    statuses = []
    for attempt in range(22):
        client = (app if attempt % 2 else other).test_client()
        client.environ_base.update(environ)
        login = f"user{attempt}-{run}"
        statuses.append(
            post_form(client, "/login", {"login": login, "password": "x" * 12}).status_code
        )

    assert statuses[:20] == [401] * 20
    assert statuses[20:] == [429, 429]
    assert client_redis.keys(f"LIMITS:LIMITER/tsunagu/{address}/*")
    for key in client_redis.keys(f"LIMITS:LIMITER/tsunagu/*{run}*") + client_redis.keys(
        f"LIMITS:LIMITER/tsunagu/{address}/*"
    ):
        client_redis.delete(key)
    for each in (app, other):
        get_engine(each).dispose()


def test_back_office_refuses_clients_outside_the_allowed_networks(
    settings: Settings, clean_db
) -> None:
    app = create_backoffice_app(replace(settings, backoffice_allowed_networks=("192.0.2.0/24",)))
    inside = app.test_client()
    inside.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    outside = app.test_client()
    outside.environ_base["REMOTE_ADDR"] = "198.51.100.7"

    assert inside.get("/login").status_code == 200
    assert outside.get("/login").status_code == 403
    get_engine(app).dispose()


def test_only_the_trusted_proxy_decides_the_client_address(settings: Settings, clean_db) -> None:
    app = create_backoffice_app(
        replace(settings, backoffice_allowed_networks=("192.0.2.0/24",), trusted_proxy_count=1)
    )
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.1"  # the proxy

    forged = client.get("/login", headers={"X-Forwarded-For": "192.0.2.10, 198.51.100.7"})
    honest = client.get("/login", headers={"X-Forwarded-For": "192.0.2.10"})

    assert forged.status_code == 403
    assert honest.status_code == 200
    get_engine(app).dispose()


def test_a_malformed_network_is_a_configuration_error(settings: Settings) -> None:
    with pytest.raises(ConfigError, match="TSUNAGU_BACKOFFICE_ALLOWED_NETWORKS"):
        create_backoffice_app(replace(settings, backoffice_allowed_networks=("not-a-net",)))
