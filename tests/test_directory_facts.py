"""The demo directory holds only what the sourced fact sheet states."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import PROJECT_ROOT
from directory.demo import load_demo_directory
from directory.facts import FACT_SHEET, needs_check, parse_channels, read_rows
from directory.models import ContactChannel, Service

SHARED_SHEET = PROJECT_ROOT.parent / "shared" / "data" / "directory-facts.csv"


def test_fact_sheet_copy_matches_the_shared_source() -> None:
    if not SHARED_SHEET.exists():
        pytest.fail(f"the shared fact sheet is missing at {SHARED_SHEET}")
    assert FACT_SHEET.read_bytes() == SHARED_SHEET.read_bytes()


def test_every_number_and_address_is_verbatim_from_its_row(demo: Session) -> None:
    rows = {row["name"]: row for row in read_rows()}
    for service in demo.scalars(select(Service)):
        row = rows[service.name]
        for channel in service.channels:
            assert channel.value in row["contact"], (service.name, channel.value)
        assert service.hours_note == row["hours"]
        assert service.address == row["address"]
        assert service.source_url == row["source_url"]


def test_low_confidence_rows_are_marked_to_verify(demo: Session) -> None:
    low = {row["name"] for row in read_rows() if row["confidence"] == "low"}
    checked = {s.name for s in demo.scalars(select(Service).where(Service.needs_check))}

    assert low and low <= checked


def test_facts_the_sheet_does_not_confirm_are_marked_to_verify(demo: Session) -> None:
    services = {s.name: s for s in demo.scalars(select(Service))}
    # High confidence, but the hours in Kyoto are "未確認" in the sheet's hours column.
    unified = services["こころの健康相談統一ダイヤル"]
    assert unified.needs_check and unified.check_note.startswith("未確認の項目: 受付時間。")
    # High confidence, but the note asks to confirm the number before it is published.
    assert services["自殺予防いのちの電話（フリーダイヤル）"].needs_check
    # Cost "no/unclear" and languages "未確認": both columns are named for staff.
    foreign = services["外国人のための人権相談"]
    assert foreign.check_note.startswith("未確認の項目: 費用・言語。")
    # Nothing in the row is marked: no check asked for.
    assert not services["DV相談＋（プラス）"].needs_check


def test_every_row_is_marked_exactly_when_the_sheet_asks_for_a_check() -> None:
    for row in read_rows():
        marks = [row[c] for c in ("contact", "hours", "free", "languages", "address", "note")]
        unsure = any(w in text for text in marks for w in ("未確認", "要再確認", "unclear"))
        if row["confidence"] == "low" or unsure:
            assert needs_check(row), row["name"]


def test_service_codes_become_safe_tel_links() -> None:
    channel = ContactChannel(kind="phone", value="#8008")

    assert channel.href == "tel:%238008"
    assert ContactChannel(kind="phone", value="0120-279-338").href == "tel:0120279338"
    assert ContactChannel(kind="line", value="@unconfirmed").href is None
    assert ContactChannel(kind="chat", value="javascript:alert(1)").href is None


def test_fax_numbers_never_become_phone_channels() -> None:
    channels = parse_channels("0772-69-0350（FAX 0772-62-1156）", "phone")

    assert [c.value for c in channels] == ["0772-69-0350"]
    assert channels[0].label == "FAX 0772-62-1156"


def test_several_numbers_keep_their_labels() -> None:
    channels = parse_channels("児童相談0773-22-3623／DV・女性相談0773-22-9911", "phone")

    assert [(c.value, c.label) for c in channels] == [
        ("0773-22-3623", "児童相談"),
        ("0773-22-9911", "DV・女性相談"),
    ]


def test_short_national_numbers_and_urls_are_recognised() -> None:
    assert [c.value for c in parse_channels("189（いちはやく）", "phone")] == ["189"]
    chat = parse_channels("0120-99-7777／チャット https://childline.or.jp/chat", "phone; chat")
    assert [(c.kind, c.value) for c in chat] == [
        ("phone", "0120-99-7777"),
        ("chat", "https://childline.or.jp/chat"),
    ]


def test_a_row_without_a_number_keeps_its_contact_note(demo: Session) -> None:
    service = demo.scalar(select(Service).where(Service.name == "北京都ジョブパーク"))

    assert service is not None
    assert service.channels == []
    assert service.contact_note == "電話番号未確認"


def test_loading_twice_updates_the_same_rows(session: Session) -> None:
    load_demo_directory(session)
    session.commit()
    ids = set(session.scalars(select(Service.id)))

    load_demo_directory(session)
    session.commit()

    assert set(session.scalars(select(Service.id))) == ids
    assert len(ids) == len(read_rows())
