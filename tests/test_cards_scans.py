"""Card batches and scans: unguessable codes, audited changes, counts that hold under
concurrency, and a landing page that always helps and stores nothing about who scanned."""

from __future__ import annotations

import io
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import zxingcpp
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cards.batches import (
    CODE_ALPHABET,
    CODE_LENGTH,
    BatchError,
    clean_code,
    count_scan,
    create_batch,
    new_code,
    retire_batch,
    scan_url,
    standing_batch,
)
from cards.designs import get_design
from cards.models import CardBatch, ScanCount
from cards.throttle import ScanThrottle
from core.audit import AuditEvent
from core.db import get_engine
from core.security import forget_client_addresses
from public_site.cards_views import THROTTLE
from tests.helpers import without_phrase_breaks

SCANNER = "Mozilla/5.0 (Linux; Android 14; scanner-test-agent)"


def make_batch(session: Session, **fields: object) -> CardBatch:
    design = get_design(session)
    assert design is not None
    values = {"purpose": "home_visit", "quantity": 50, "note": "", **fields}
    batch = create_batch(session, design=design, actor=None, **values)  # type: ignore[arg-type]
    session.commit()
    return batch


def scans(session: Session, batch: CardBatch) -> int:
    session.expire_all()
    total = session.scalar(select(func.sum(ScanCount.count)).where(ScanCount.batch_id == batch.id))
    return int(total or 0)


# ---- codes and batches ------------------------------------------------------------------------


def test_codes_are_long_random_and_free_of_look_alike_characters() -> None:
    codes = {new_code() for _ in range(2000)}

    assert len(codes) == 2000
    for code in codes:
        assert len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET)
    assert not set("01ilo") & set(CODE_ALPHABET)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ABCDEFGHJK", "abcdefghjk"),
        (" abcdefghjk ", "abcdefghjk"),
        ("abcdefghj", None),
        ("abcdefghj1", None),
        ("abcdefghjk'--", None),
        ("<script>", None),
        ("", None),
    ],
)
def test_clean_code_accepts_only_what_a_code_can_be(raw: str, expected: str | None) -> None:
    assert clean_code(raw) == expected


def test_creating_a_batch_is_audited(demo: Session) -> None:
    batch = make_batch(demo, purpose="school", quantity=200, note="市内中学校")

    event = demo.scalar(select(AuditEvent).where(AuditEvent.action == "cards.batch.create"))
    assert event is not None and event.object_id == str(batch.id)
    assert batch.code != standing_batch(demo).code  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"purpose": "public_download"}, "purpose"),
        ({"purpose": "marketing"}, "purpose"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": 10**7}, "quantity"),
        ({"note": "あ" * 501}, "note"),
    ],
)
def test_an_invalid_batch_is_refused_and_nothing_is_stored(
    demo: Session, fields: dict, field: str
) -> None:
    before = demo.scalar(select(func.count()).select_from(CardBatch))

    with pytest.raises(BatchError) as refused:
        make_batch(demo, **fields)

    demo.rollback()
    assert field in refused.value.problems
    assert demo.scalar(select(func.count()).select_from(CardBatch)) == before


def test_retiring_is_audited_once(demo: Session) -> None:
    batch = make_batch(demo)

    assert retire_batch(demo, batch, actor=None) is True
    assert retire_batch(demo, batch, actor=None) is False
    demo.commit()

    events = demo.scalars(select(AuditEvent).where(AuditEvent.action == "cards.batch.retire"))
    assert [e.object_id for e in events] == [str(batch.id)]


@pytest.mark.sqlite_only  # PostgreSQL's own clock names the day: tests/test_db_roles.py
def test_scans_count_per_tokyo_day(demo: Session) -> None:
    batch = make_batch(demo)
    # 23:30 UTC on 31 December is already 1 January in Tokyo.
    count_scan(demo, batch.id, now=datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    count_scan(demo, batch.id, now=datetime(2027, 1, 1, 1, 0, tzinfo=UTC))
    count_scan(demo, batch.id, now=datetime(2026, 12, 31, 14, 0, tzinfo=UTC))
    demo.commit()

    days = dict(demo.execute(select(ScanCount.day, ScanCount.count)).all())
    assert {d.isoformat(): n for d, n in days.items()} == {"2027-01-01": 2, "2026-12-31": 1}


# ---- the landing page -------------------------------------------------------------------------


def test_a_scan_counts_once_and_shows_help(client: FlaskClient, demo: Session) -> None:
    batch = make_batch(demo)

    response = client.get(f"/c/{batch.code}", headers={"User-Agent": SCANNER})

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert scans(demo, batch) == 1
    assert "京丹後市 連携自治体専用相談窓口" in without_phrase_breaks(html)
    assert 'href="tel:119"' in html and 'href="tel:0772690350"' in html
    assert "電話で相談する" in without_phrase_breaks(html)  # channels for someone without LINE
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_a_scan_stores_nothing_about_who_scanned(client: FlaskClient, demo: Session) -> None:
    batch = make_batch(demo)

    client.get(f"/c/{batch.code}", headers={"User-Agent": SCANNER})

    row = demo.execute(select(ScanCount)).scalar_one()
    assert {c.name for c in ScanCount.__table__.columns} == {"batch_id", "day", "count"}
    assert (row.batch_id, row.count) == (batch.id, 1)
    assert set(demo.scalars(select(AuditEvent.action))) == {"cards.batch.create"}


def test_the_app_logs_no_address_or_browser_for_a_scan(
    client: FlaskClient, demo: Session, caplog: pytest.LogCaptureFixture
) -> None:
    batch = make_batch(demo)
    with caplog.at_level(logging.DEBUG):
        client.get(f"/c/{batch.code}", headers={"User-Agent": SCANNER})
        client.get("/c/unknowncode", headers={"User-Agent": SCANNER})

    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert "127.0.0.1" not in logged and "scanner-test-agent" not in logged


def test_the_development_server_log_line_loses_its_address() -> None:
    logger = logging.getLogger("tsunagu-test-werkzeug")
    forget_client_addresses(logger)
    forget_client_addresses(logger)  # once is enough; twice adds nothing
    record = logger.makeRecord(
        logger.name, logging.INFO, __file__, 1,
        '203.0.113.9 - - [26/Nov/2026 10:00:00] "%s" %s %s\n', ("GET /c/x HTTP/1.1", "200", "-"),
        None,
    )  # fmt: skip

    assert all(f.filter(record) for f in logger.filters)
    assert len(logger.filters) == 1
    assert "203.0.113.9" not in record.getMessage()
    assert '"GET /c/x HTTP/1.1" 200' in record.getMessage()


def test_head_requests_and_the_english_page_do_not_count(
    client: FlaskClient, demo: Session
) -> None:
    batch = make_batch(demo)

    assert client.head(f"/c/{batch.code}").status_code == 200
    english = client.get(f"/en/c/{batch.code}")

    assert english.status_code == 200 and "dedicated" in english.get_data(as_text=True).lower()
    assert scans(demo, batch) == 0


@pytest.mark.parametrize("code", ["zzzzzzzzzz", "short", "x" * 5000, "%00", "ABC'DEF--"])
def test_unknown_codes_show_the_same_help_with_404(
    client: FlaskClient, demo: Session, code: str
) -> None:
    response = client.get(f"/c/{code}")

    # A NUL is refused before any view (core.security), with the same help on the page.
    assert response.status_code == (400 if code == "%00" else 404)
    assert 'href="tel:119"' in response.get_data(as_text=True)
    assert not demo.scalar(select(func.count()).select_from(ScanCount))


def test_a_retired_batch_still_helps_but_no_longer_counts(
    client: FlaskClient, demo: Session
) -> None:
    batch = make_batch(demo)
    retire_batch(demo, batch, actor=None)
    demo.commit()

    response = client.get(f"/c/{batch.code}")

    assert response.status_code == 404
    assert "京丹後市 連携自治体専用相談窓口" in without_phrase_breaks(response.text)
    assert scans(demo, batch) == 0


def test_a_hundred_concurrent_scans_count_a_hundred(public_app: Flask, demo: Session) -> None:
    batch = make_batch(demo)
    url = f"/c/{batch.code}"  # read here: the test's session is not for the threads
    # Room for all of them: the limit is tested in test_cards_scan_limits.py.
    public_app.extensions[THROTTLE] = ScanThrottle("memory://", per_minute=1000)

    def scan(_: int) -> int:
        return public_app.test_client().get(url).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(scan, range(100)))

    assert statuses == [200] * 100
    assert scans(demo, batch) == 100
    get_engine(public_app).dispose()


# ---- the public card page ---------------------------------------------------------------------


def test_cards_page_offers_every_download_and_the_trademark_notice(
    client: FlaskClient, demo: Session
) -> None:
    html = client.get("/cards").get_data(as_text=True)

    for kind in ("sheet.pdf", "sheet-plain.pdf", "card.pdf", "card.png", "poster.pdf"):
        assert f'href="/cards/generic/{kind}"' in html
    assert "QRコードは株式会社デンソーウェーブの登録商標です。" in html
    assert "実際のサイズ" in html  # printing instructions
    assert client.get("/en/cards").status_code == 200


def test_the_generic_card_leads_to_the_public_download_batch(
    client: FlaskClient, demo: Session, public_app: Flask
) -> None:
    batch = standing_batch(demo)
    assert batch is not None and batch.purpose == "public_download"

    response = client.get("/cards/generic/card.png")

    assert response.status_code == 200 and response.mimetype == "image/png"
    assert "attachment" in response.headers["Content-Disposition"]
    image = Image.open(io.BytesIO(response.data))
    decoded = [r.text for r in zxingcpp.read_barcodes(image)]
    base = public_app.config["TSUNAGU_SETTINGS"].public_base_url
    assert decoded == [scan_url(base, batch.code)]


@pytest.mark.parametrize("kind", ["card.pdf", "sheet.pdf", "sheet-plain.pdf", "poster.pdf"])
def test_the_generic_pdfs_download(client: FlaskClient, demo: Session, kind: str) -> None:
    response = client.get(f"/cards/generic/{kind}")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")


def test_unknown_files_and_a_missing_batch_are_not_found(
    client: FlaskClient, demo: Session
) -> None:
    assert client.get("/cards/generic/secret.txt").status_code == 404
    batch = standing_batch(demo)
    assert batch is not None
    batch.retired_at = datetime.now(UTC)  # as if set in the database: staff cannot retire it
    demo.commit()

    assert client.get("/cards/generic/card.pdf").status_code == 404
    assert re.search("準備しています", client.get("/cards").get_data(as_text=True))


def test_without_a_font_the_download_is_unavailable_but_still_helps(
    public_app: Flask, demo: Session, tmp_path: Path
) -> None:
    settings = public_app.config["TSUNAGU_SETTINGS"]
    public_app.config["TSUNAGU_SETTINGS"] = replace(settings, card_font_path=str(tmp_path / "x"))

    response = public_app.test_client().get("/cards/generic/card.png")

    assert response.status_code == 503
    assert 'href="tel:119"' in response.get_data(as_text=True)
