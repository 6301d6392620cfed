"""Stored readings: the texts of the directory and the profile are read when they change, in
the process that changes them; the public site looks them up and never loads pykakasi."""

from __future__ import annotations

import json
import logging
import pickle
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import Settings
from core.furigana import ruby
from core.profile import get_profile, read_profile_file, store_profile
from core.readings import computed, pieces
from core.readings_store import StoredReadings, TextReading, store_texts
from directory.models import Service
from directory.search.reindex import reindex
from tests.test_public_text import public_urls

ROOT = Path(__file__).resolve().parent.parent
# Renders each URL with the public app in a process of its own, as a worker would, and says
# whether pykakasi was imported and how much memory the process holds (VmRSS, KiB).
WORKER = """
import json, pickle, sys
from public_site import create_app
settings, urls = pickle.load(open(sys.argv[1], "rb"))
app = create_app(settings)
client = app.test_client()
statuses = {url: client.get(url).status_code for url in urls}
rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS:"))
print(json.dumps({"pykakasi": "pykakasi" in sys.modules, "statuses": statuses, "rss": rss}))
"""


def stored(session: Session) -> dict[str, str]:
    return {
        row.text: row.readings
        for row in session.execute(select(TextReading.text, TextReading.readings))
    }


def test_a_public_worker_renders_every_easy_page_without_pykakasi(
    public_app: Flask, demo: Session, settings: Settings, tmp_path: Path
) -> None:
    urls = [u for u in public_urls(public_app, demo) if u.startswith("/easy/")]
    job = tmp_path / "job.pickle"
    job.write_bytes(pickle.dumps((settings, urls)))

    done = subprocess.run(
        [sys.executable, "-c", WORKER, str(job)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])

    assert len(urls) > 40
    assert set(result["statuses"].values()) <= {200, 404}
    assert result["statuses"][urls[0]] == 200
    assert result["pykakasi"] is False


def test_rules_read_days_counters_and_names_and_leave_units_for_lookup() -> None:
    assert pieces("14日以内に予定") == (("日", "じゅうよっか"), "以内に予定")
    assert pieces("24時間受付") == ("時間受付",)  # 時間 is a word, not 時 after 24
    assert pieces("次は 12月8日(火) 6:00から") == (
        "次は",
        ("月", "がつ"),
        ("日", "ようか"),
        ("火", "か"),
    )
    assert pieces("京丹後市の保健所、2人で") == (
        ("京丹後市", "きょうたんごし"),
        "の保健所",
        ("人", "ふたり"),
    )


def test_overrides_win_over_stored_readings_and_missing_units_get_none(
    caplog: pytest.LogCaptureFixture,
) -> None:
    known = StoredReadings(
        {"の保健所": (("保健所", "ほけんじょ"),), "京丹後市の保健所": (("京丹後", "きょうと"),)}
    )

    html = ruby("京丹後市の保健所", known)
    assert "<rt>きょうたんごし</rt>" in html and "<rt>ほけんじょ</rt>" in html

    with caplog.at_level(logging.WARNING, logger="core.readings_store"):
        first = ruby("架空の言葉", known)
        again = ruby(Markup("架空の言葉"), known)
        ruby("架空の言葉です", known)  # another text, the same unit
    assert first == "架空の言葉" and "<ruby>" not in again
    assert [r.getMessage() for r in caplog.records].count(
        "no stored reading for '架空の言葉': shown without furigana until `flask directory reindex`"
    ) == 1


def test_an_edited_service_s_new_words_have_readings_on_its_easy_page(
    demo: Session, client: FlaskClient
) -> None:
    service = demo.scalars(select(Service).where(Service.status == "published")).first()
    assert service is not None
    service.name = "夜間電話相談窓口"
    reindex(demo, [service])
    demo.commit()

    assert stored(demo)["夜間電話相談窓口"] == format_expected("夜間電話相談窓口")
    html = client.get(f"/easy/directory/services/{service.id}").get_data(as_text=True)
    assert "<ruby>夜間<rp>(</rp><rt>やかん</rt>" in html


def format_expected(unit: str) -> str:
    return " ".join(f"{word}:{reading}" for word, reading in computed(unit))


def test_a_stored_profile_stores_the_readings_of_its_texts(
    session: Session, settings: Settings
) -> None:
    profile = replace(read_profile_file(settings.profile_path), section="地域福祉推進室")
    store_profile(session, profile)
    session.commit()

    assert get_profile(session, profile).section == "地域福祉推進室"
    assert "地域福祉推進室" in stored(session)
    assert stored(session)["地域福祉推進室"].startswith("地域:ちいき")


def test_a_full_reindex_reads_every_text_afresh_and_drops_the_unused(demo: Session) -> None:
    store_texts(demo, ["もう使われない言葉"], "directory")
    before = stored(demo)
    assert "もう使われない言葉" in before

    reindex(demo)
    demo.commit()

    after = stored(demo)
    assert "もう使われない言葉" not in after
    assert set(after) == set(before) - {"もう使われない言葉"}
