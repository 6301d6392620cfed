"""Scan counts that cannot be inflated: one address per batch (the printed one) and at most so
many counts per batch and minute, shared by every worker; the help is shown whatever happens."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from limits.storage import MemoryStorage, RedisStorage
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cards.batches import create_batch
from cards.designs import get_design
from cards.models import CardBatch, ScanCount
from cards.throttle import SCAN_COUNTS_PER_MINUTE, ScanThrottle
from core.config import Settings
from core.db import get_engine
from public_site import create_app as create_public_app
from public_site.cards_views import THROTTLE

REDIS_URL = "redis://127.0.0.1:6379/15"
HELP = 'href="tel:119"'


def make_batch(session: Session) -> CardBatch:
    design = get_design(session)
    assert design is not None
    batch = create_batch(session, design=design, purpose="event", quantity=50, actor=None)
    session.commit()
    return batch


def scans(session: Session, batch: CardBatch) -> int:
    session.expire_all()
    total = session.scalar(select(func.sum(ScanCount.count)).where(ScanCount.batch_id == batch.id))
    return int(total or 0)


def limit(app: Flask, per_minute: int, uri: str = "memory://", prefix: str = "test") -> None:
    app.extensions[THROTTLE] = ScanThrottle(uri, per_minute=per_minute, prefix=prefix)


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own in the shared Redis, deleted afterwards."""
    prefix = f"tsunagu-test-scan-{secrets.token_hex(4)}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)


# ---- one address per batch --------------------------------------------------------------------


def test_a_code_in_capitals_goes_to_the_printed_address_and_counts_once(
    client: FlaskClient, demo: Session
) -> None:
    batch = make_batch(demo)

    typed = client.get(f"/c/{batch.code.upper()}")

    assert typed.status_code == 302
    assert typed.headers["Location"].endswith(f"/c/{batch.code}")
    assert typed.headers["Cache-Control"] == "no-store" and "Set-Cookie" not in typed.headers
    assert scans(demo, batch) == 0
    arrived = client.get(typed.headers["Location"])
    assert arrived.status_code == 200 and HELP in arrived.get_data(as_text=True)
    assert scans(demo, batch) == 1


def test_the_english_page_keeps_its_language_on_the_way(client: FlaskClient, demo: Session) -> None:
    batch = make_batch(demo)

    typed = client.get(f"/en/c/{batch.code.upper()}")

    assert typed.headers["Location"].endswith(f"/en/c/{batch.code}")


# ---- at most so many counts per batch and minute ----------------------------------------------


def test_the_default_limit_lives_in_the_configured_storage(
    settings: Settings, clean_db: object
) -> None:
    memory_app = create_public_app(settings)
    redis_app = create_public_app(replace(settings, ratelimit_storage_uri=REDIS_URL))

    assert isinstance(memory_app.extensions[THROTTLE].storage, MemoryStorage)
    assert isinstance(redis_app.extensions[THROTTLE].storage, RedisStorage)
    assert 10 <= SCAN_COUNTS_PER_MINUTE <= 100
    for app in (memory_app, redis_app):
        get_engine(app).dispose()


def test_scans_beyond_the_limit_show_help_uncounted(
    public_app: Flask, client: FlaskClient, demo: Session
) -> None:
    limit(public_app, 3)
    batch, other = make_batch(demo), make_batch(demo)

    responses = [client.get(f"/c/{batch.code}") for _ in range(5)]

    assert [r.status_code for r in responses] == [200] * 5
    assert all(HELP in r.get_data(as_text=True) for r in responses)
    assert scans(demo, batch) == 3
    client.get(f"/c/{other.code}")
    assert scans(demo, other) == 1  # each batch has its own budget


def test_concurrent_scans_never_count_past_the_limit(public_app: Flask, demo: Session) -> None:
    limit(public_app, 20)
    batch = make_batch(demo)
    url = f"/c/{batch.code}"

    def scan(_: int) -> int:
        return public_app.test_client().get(url).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(scan, range(60)))

    assert statuses == [200] * 60
    assert scans(demo, batch) == 20
    get_engine(public_app).dispose()


def test_workers_share_one_limit_through_redis(
    settings: Settings, demo: Session, redis_prefix: str
) -> None:
    shared = replace(settings, ratelimit_storage_uri=REDIS_URL)
    workers = [create_public_app(shared), create_public_app(shared)]
    for app in workers:
        limit(app, 4, REDIS_URL, redis_prefix)
    batch = make_batch(demo)

    for _ in range(3):
        for app in workers:
            assert app.test_client().get(f"/c/{batch.code}").status_code == 200

    assert scans(demo, batch) == 4
    keys = [key.decode() for key in redis.Redis.from_url(REDIS_URL).scan_iter(f"*{redis_prefix}*")]
    # The key names the batch and nothing about who scanned.
    assert keys == [f"LIMITS:LIMITER/{redis_prefix}/{batch.id}/4/1/minute"]
    for app in workers:
        get_engine(app).dispose()


def test_an_unreachable_limit_store_costs_a_count_never_the_help(
    public_app: Flask, client: FlaskClient, demo: Session
) -> None:
    limit(public_app, 30, "redis://127.0.0.1:1/0")  # nothing listens there
    batch = make_batch(demo)

    response = client.get(f"/c/{batch.code}")

    assert response.status_code == 200 and HELP in response.get_data(as_text=True)
    assert scans(demo, batch) == 0
